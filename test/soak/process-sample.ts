/** Open file descriptors and resident memory of a process, from /proc. */
import { readdirSync, readFileSync } from 'node:fs';

export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round((Number(m[1]) / 1024) * 10) / 10 : NaN;
}

/** The fewest fds seen over `ms` (a health check's socket comes and goes). */
export async function quietFds(pid: number, ms = 1000): Promise<number> {
  let least = Infinity;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    least = Math.min(least, openFds(pid));
    await new Promise((r) => setTimeout(r, 50));
  }
  return least;
}
