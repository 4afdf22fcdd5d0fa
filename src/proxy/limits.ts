/**
 * The open-file limit and the connection ceiling it implies. Node has no
 * getrlimit, so on Linux it is read from /proc/self/limits. kubeha never raises
 * the limit itself (nginx-proxy's setrlimit(RLIMIT_NOFILE, 130048)
 * failures came from asking for more than the container allowed): it logs what
 * is in force and keeps maxConnections under it.
 */
import { readFileSync } from 'node:fs';

export interface FileLimit {
  soft: number | 'unlimited';
  hard: number | 'unlimited';
}

export function parseLimits(text: string): FileLimit | undefined {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!m) return undefined;
  const n = (s: string) => (s === 'unlimited' ? 'unlimited' : Number(s));
  return { soft: n(m[1]!), hard: n(m[2]!) };
}

export function readFileLimit(): FileLimit | undefined {
  try {
    return parseLimits(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return undefined;
  }
}

/** Descriptors kept back for listeners, health checks, logs and the admin server. */
const RESERVED_FDS = 64;
const DEFAULT_CEILING = 16_384;

/** Each proxied connection holds two descriptors: the client's and the upstream's. */
export function connectionCeiling(limit: FileLimit | undefined): number {
  if (limit === undefined || limit.soft === 'unlimited') return DEFAULT_CEILING;
  return Math.max(1, Math.floor((limit.soft - RESERVED_FDS) / 2));
}
