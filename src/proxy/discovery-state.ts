/**
 * The last good set of discovered API servers, kept in `stateDir/discovery.json`
 * so that a proxy restarted while the API is unreachable still knows every
 * control plane (its configured list may be one that was rendered before some
 * joined). Written atomically (temp file, rename); a file that cannot be read as
 * this format is ignored, with one warning, and overwritten by the next good set.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../shared/atomic-write.js';
import { parseHostPort } from '../shared/address.js';

export const STATE_FILE = 'discovery.json';
const FORMAT = 'kubeha.discovery/v1';

export type StateRead =
  | { ok: true; upstreams: string[]; savedAt?: string }
  | { ok: false; missing: true }
  | { ok: false; missing: false; why: string };

export function statePath(stateDir: string): string {
  return join(stateDir, STATE_FILE);
}

/** Pure: the file's text → the set, or why not. */
export function parseState(text: string): StateRead {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return { ok: false, missing: false, why: `not JSON (${(err as Error).message})` };
  }
  const s = v as { format?: unknown; upstreams?: unknown; savedAt?: unknown };
  if (s?.format !== FORMAT) return { ok: false, missing: false, why: `format is not ${FORMAT}` };
  if (!Array.isArray(s.upstreams) || s.upstreams.length === 0)
    return { ok: false, missing: false, why: 'upstreams is not a non-empty list' };
  for (const u of s.upstreams) {
    try {
      if (typeof u !== 'string') throw new Error('not a string');
      parseHostPort(u);
    } catch (err) {
      return {
        ok: false,
        missing: false,
        why: `upstream ${JSON.stringify(u)}: ${(err as Error).message}`,
      };
    }
  }
  return {
    ok: true,
    upstreams: [...new Set(s.upstreams as string[])].sort(),
    ...(typeof s.savedAt === 'string' ? { savedAt: s.savedAt } : {}),
  };
}

export function formatState(upstreams: readonly string[], now = new Date()): string {
  return `${JSON.stringify({ format: FORMAT, savedAt: now.toISOString(), upstreams: [...upstreams].sort() }, null, 2)}\n`;
}

export async function readState(stateDir: string): Promise<StateRead> {
  try {
    return parseState(await readFile(statePath(stateDir), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, missing: true };
    return { ok: false, missing: false, why: (err as Error).message };
  }
}

export function writeState(stateDir: string, upstreams: readonly string[]): Promise<void> {
  return writeFileAtomic(statePath(stateDir), formatState(upstreams), { mode: 0o644 });
}
