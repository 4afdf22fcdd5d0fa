import { existsSync, readdirSync, readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { makeDirsSync, writeFileAtomicSync } from '../shared/atomic-write.js';
import { KubehaError } from '../shared/errors.js';
import type { RenderedFile } from './render-plan.js';

export interface WriteResult {
  written: string[];
  unchanged: string[];
  /** Files already under the output directory that this render does not produce. */
  stale: string[];
  /** the stale files removed (`prune`) */
  pruned: string[];
}

/**
 * Writes rendered files under `outDir`, each atomically (writeFileAtomicSync). An existing
 * file with different content is a conflict unless `force`: all conflicts are
 * reported before anything is written, so a refused run changes nothing.
 *
 * Synchronous on purpose: a 5,000-host inventory renders ~15,000 files, and the
 * per-call promise and thread-pool cost of fs/promises was most of the run time.
 */
export function writeRendered(
  outDir: string,
  files: RenderedFile[],
  opts: { force?: boolean; prune?: boolean } = {},
): WriteResult {
  const root = resolve(outDir);
  const conflicts: string[] = [];
  // a new output directory cannot hold conflicting files: skip 15,000 failed reads
  const fresh = !existsSync(root);
  const plans = files.map((file) => {
    const abs = resolve(join(root, file.path));
    if (abs !== root && !abs.startsWith(root + sep)) {
      throw new KubehaError('E_RENDER_PATH', `refusing to write outside ${outDir}: ${file.path}`);
    }
    let existing: string | undefined;
    try {
      if (!fresh) existing = readFileSync(abs, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        throw new KubehaError('E_RENDER_READ', `cannot read ${abs}: ${(err as Error).message}`, {
          exitCode: 2,
        });
      }
    }
    const same = existing === file.content;
    if (existing !== undefined && !same && !opts.force) conflicts.push(file.path);
    return { abs, file, same };
  });
  if (conflicts.length > 0) {
    throw new KubehaError(
      'E_RENDER_EXISTS',
      `${conflicts.length} file(s) under ${outDir} differ from what kubeha would write: ${conflicts.slice(0, 3).join(', ')}${conflicts.length > 3 ? ', …' : ''}`,
      { hint: 'pass --force to overwrite them', exitCode: 1 },
    );
  }
  const result: WriteResult = {
    written: [],
    unchanged: [],
    // A re-render after a pattern change leaves e.g. nginx-proxy.yml behind: say so,
    // since a user who syncs the folder to hosts would ship it.
    stale: fresh ? [] : staleFiles(root, new Set(files.map((f) => f.path))),
    pruned: [],
  };
  const made = new Set<string>();
  for (const p of plans) {
    if (p.same) {
      result.unchanged.push(p.file.path);
      continue;
    }
    const dir = dirname(p.abs);
    try {
      if (!made.has(dir)) {
        makeDirsSync(dir);
        made.add(dir);
      }
      writeFileAtomicSync(p.abs, p.file.content, { mkdir: false });
    } catch (err) {
      throw new KubehaError('E_RENDER_WRITE', `cannot write ${p.abs}: ${(err as Error).message}`, {
        exitCode: 2,
      });
    }
    result.written.push(p.file.path);
  }
  if (opts.prune) {
    pruneFiles(root, result.stale);
    result.pruned = result.stale;
    result.stale = [];
  }
  return result;
}

/**
 * Removes `stale` (paths relative to `root`) and the directories they leave
 * empty, deepest first; `root` itself stays. Runs after the new files are in
 * place, so an interrupted prune leaves a complete render plus some leftovers.
 */
function pruneFiles(root: string, stale: string[]): void {
  const dirs = new Set<string>();
  for (const rel of stale) {
    try {
      unlinkSync(join(root, rel));
    } catch (err) {
      throw new KubehaError(
        'E_RENDER_PRUNE',
        `cannot remove ${join(root, rel)}: ${(err as Error).message}`,
      );
    }
    for (let d = dirname(rel); d !== '.' && d !== ''; d = dirname(d)) dirs.add(d);
  }
  for (const d of [...dirs].sort((a, b) => b.split('/').length - a.split('/').length)) {
    if (readdirSync(join(root, d)).length === 0) rmdirSync(join(root, d));
  }
}

function staleFiles(root: string, rendered: Set<string>): string[] {
  return filesUnder(root).filter((f) => !rendered.has(f));
}

/** Regular files below `root`, as paths relative to it with `/` separators. */
function filesUnder(root: string, dir = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...filesUnder(root, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}
