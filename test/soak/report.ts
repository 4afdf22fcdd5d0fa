/** The soak's figures, its pass rules, and how `npm run soak` prints them. */
export interface SoakReport {
  seconds: number;
  warmupSeconds: number;
  requests: { total: number; failed: number; onFailingUpstream: number; unexplained: string[] };
  watches: {
    opened: number;
    reopenedAfterClose: number;
    openFailures: number;
    unexplained: string[];
  };
  chaos: { kill: number; hang: number; unready: number; partition: number; restores: number };
  transitions: number;
  recovered: boolean;
  fds: { start: number; peak: number; end: number };
  rssMiB: { start: number; warm: number; peak: number; end: number };
  eventLoopDelayMs: { p99Ms: number; maxMs: number };
}

/** RSS may grow this much after warm-up (allocator and JIT noise, not a leak). */
export const RSS_GROWTH_LIMIT = 0.1;

/** Why the soak failed, one line each; empty when it passed. */
export function soakVerdict(r: SoakReport): string[] {
  const out: string[] = [];
  if (r.fds.end > r.fds.start) out.push(`fds not back to baseline: ${r.fds.start} -> ${r.fds.end}`);
  const growth = r.rssMiB.end / r.rssMiB.warm - 1;
  if (!(growth < RSS_GROWTH_LIMIT))
    out.push(
      `RSS grew ${(growth * 100).toFixed(1)} % after warm-up (${r.rssMiB.warm} -> ${r.rssMiB.end} MiB)`,
    );
  if (r.requests.unexplained.length > 0)
    out.push(
      `failed new connections while a healthy upstream existed: ${r.requests.unexplained.join(', ')}`,
    );
  if (r.watches.unexplained.length > 0)
    out.push(
      `failed watch opens while a healthy upstream existed: ${r.watches.unexplained.join(', ')}`,
    );
  if (!r.recovered) out.push('upstreams not all healthy after the chaos stopped');
  const faults = r.chaos.kill + r.chaos.hang + r.chaos.unready + r.chaos.partition;
  if (faults < r.seconds / 10) out.push(`too little chaos: ${faults} faults in ${r.seconds} s`);
  return out;
}

export function formatSoak(r: SoakReport): string {
  const c = r.chaos;
  return [
    `soak: ${r.seconds} s (warm-up ${r.warmupSeconds} s)`,
    `  requests   ${r.requests.total} total, ${r.requests.failed} failed (${r.requests.onFailingUpstream} in flight on an upstream as it failed, ${r.requests.unexplained.length} otherwise)`,
    `  watches    ${r.watches.opened} opened, ${r.watches.reopenedAfterClose} re-opened after a close, ${r.watches.openFailures} failed opens (${r.watches.unexplained.length} otherwise)`,
    `  chaos      ${c.kill} kills, ${c.hang} hangs, ${c.unready} unready, ${c.partition} partitions, ${c.restores} restores; ${r.transitions} health transitions`,
    `  fds        start ${r.fds.start}, peak ${r.fds.peak}, end ${r.fds.end}`,
    `  RSS (MiB)  start ${r.rssMiB.start}, after warm-up ${r.rssMiB.warm}, peak ${r.rssMiB.peak}, end ${r.rssMiB.end}`,
    `  event-loop delay  p99 ${r.eventLoopDelayMs.p99Ms} ms, max ${r.eventLoopDelayMs.maxMs} ms`,
  ].join('\n');
}
