import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes `content` to `path` through a temporary file in the same directory and a
 * rename, so a reader (kubelet watching a manifest directory, nginx reloading a
 * config) never sees a half-written file. `mode` applies to the new file (e.g.
 * 0o600 for private keys).
 */
export interface AtomicWriteOptions {
  mode?: number;
  /** create the parent directory (default true) */
  mkdir?: boolean;
}

const tempName = (path: string) =>
  join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);

export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  if (opts.mkdir !== false) makeDirsSync(dirname(path));
  const tmp = tempName(path);
  try {
    await writeFile(tmp, content, opts.mode === undefined ? undefined : { mode: opts.mode });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * The same, synchronously: for commands that write thousands of small files in a
 * row (render at 5,000 hosts), where a promise and a thread-pool hop per call cost
 * more than the write itself.
 */
export function writeFileAtomicSync(
  path: string,
  content: string | Uint8Array,
  opts: AtomicWriteOptions = {},
): void {
  if (opts.mkdir !== false) makeDirsSync(dirname(path));
  const tmp = tempName(path);
  try {
    writeFileSync(tmp, content, opts.mode === undefined ? undefined : { mode: opts.mode });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * `mkdir -p` that always ends. libuv's recursive mkdir (Node 20 and still Node 24.22)
 * loops forever where mkdir(2) answers ENOENT under an existing parent, as it does
 * anywhere under /proc: `kubeha render --out /proc/x` hung. Here the missing
 * directories are found first, then made one by one, and the first refusal is thrown.
 */
export function makeDirsSync(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    try {
      if (statSync(d).isDirectory()) break;
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${d}'`), { code: 'ENOTDIR' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(d) === d) throw err;
      missing.push(d);
    }
  }
  for (const d of missing.reverse()) mkdirSync(d);
}
