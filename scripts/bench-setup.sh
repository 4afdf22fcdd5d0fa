#!/usr/bin/env bash
# Installs the peers the benchmarks measure kubeha against (Debian packages).
set -euo pipefail
need=()
command -v ansible-inventory >/dev/null || need+=(ansible)
command -v nginx >/dev/null || need+=(nginx-light)
[ -e /usr/lib/nginx/modules/ngx_stream_module.so ] || need+=(libnginx-mod-stream)
command -v haproxy >/dev/null || need+=(haproxy)
command -v wrk >/dev/null || need+=(wrk)
if [ ${#need[@]} -eq 0 ]; then echo "bench:setup: everything is installed"; exit 0; fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${need[@]}"
# The packages start system services; the benchmarks run their own instances on loopback.
for svc in nginx haproxy; do $SUDO systemctl stop "$svc" 2>/dev/null || $SUDO pkill -x "$svc" 2>/dev/null || true; done
echo "bench:setup: installed ${need[*]}"
