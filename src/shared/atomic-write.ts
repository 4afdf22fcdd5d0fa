import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
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
  if (opts.mkdir !== false) await mkdir(dirname(path), { recursive: true });
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
  if (opts.mkdir !== false) mkdirSync(dirname(path), { recursive: true });
  const tmp = tempName(path);
  try {
    writeFileSync(tmp, content, opts.mode === undefined ? undefined : { mode: opts.mode });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
