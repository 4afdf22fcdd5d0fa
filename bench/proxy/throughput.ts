/**
 * Scenarios 1, 2, 3 and 6: wrk against every peer, interleaved A B C D A B C D …
 * so that drift on the shared machine hits every column alike. CPU per request (6)
 * is the peer's user+sys time during the scenario 1 and 2 runs over their requests.
 */
import type { RunningPeer } from './peers.js';
import { cpuSeconds } from './proc-stats.js';
import { isRunning, sleep, tail } from './processes.js';
import { LARGE_PATH, SMALL_PATH, TINY_PATH } from './upstream-server.js';
import { runWrk, type WrkLoad } from './wrk.js';

/**
 * Two load shapes for requests: 32 connections and a 512-byte body (`keepalive`,
 * `newconn`), and 50 keep-alive or 20 one-request connections with a 3-byte body
 * (`keepalive50`, `newconn20`): with almost no bytes to move, the second shape is
 * all per-request and per-connection overhead, where Node pays most.
 */
export type LoadId = 'keepalive' | 'newconn' | 'keepalive50' | 'newconn20' | 'bulk';

export const LOAD_IDS: LoadId[] = ['keepalive', 'newconn', 'keepalive50', 'newconn20', 'bulk'];

export function wrkLoad(id: LoadId, seconds: number): WrkLoad {
  switch (id) {
    case 'keepalive':
      return { path: SMALL_PATH, connections: 32, seconds, closeEachRequest: false };
    case 'newconn':
      return { path: SMALL_PATH, connections: 32, seconds, closeEachRequest: true };
    case 'keepalive50':
      return { path: TINY_PATH, connections: 50, seconds, closeEachRequest: false };
    case 'newconn20':
      return { path: TINY_PATH, connections: 20, seconds, closeEachRequest: true };
    case 'bulk':
      return { path: LARGE_PATH, connections: 4, seconds, closeEachRequest: false };
  }
}

export interface LoadSample {
  requests: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  mbPerSec: number;
  errors: number;
  /** user+sys seconds of the peer's processes during the run (absent for direct). */
  cpuSeconds?: number;
  cpuSecondsPer100k?: number;
}

export type ThroughputResults = Record<LoadId, Record<string, LoadSample[]>>;

export interface ThroughputOptions {
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  /** Subset of LOAD_IDS to run (all when absent). */
  loads?: LoadId[];
}

export async function runThroughput(
  peers: RunningPeer[],
  opts: ThroughputOptions,
  log: (line: string) => void,
): Promise<ThroughputResults> {
  const results = Object.fromEntries(
    LOAD_IDS.map((l) => [l, Object.fromEntries(peers.map((p) => [p.spec.id, []]))]),
  ) as unknown as ThroughputResults;

  // Warm-up (JIT, page cache, connection tables); not recorded.
  for (const p of peers.filter((x) => x.proc)) {
    for (const l of ['keepalive', 'newconn'] as LoadId[])
      await runWrk(p.address, wrkLoad(l, opts.warmupSeconds));
  }
  for (let round = 1; round <= opts.rounds; round++) {
    for (const load of opts.loads ?? LOAD_IDS) {
      const line: string[] = [];
      for (const p of peers) {
        const s = await measure(p, wrkLoad(load, opts.seconds));
        results[load][p.spec.id]!.push(s);
        if (s.errors) line.push(`(${p.spec.id}: ${s.errors} errors)`);
        line.push(
          `${p.spec.id} ${load === 'bulk' ? `${s.mbPerSec.toFixed(0)} MB/s` : `${s.requestsPerSec.toFixed(0)} req/s`}`,
        );
        await sleep(100); // let the previous run's connections close
      }
      log(`  round ${round}/${opts.rounds} ${load}: ${line.join(', ')}`);
    }
  }
  return results;
}

async function measure(p: RunningPeer, load: WrkLoad): Promise<LoadSample> {
  const before = p.proc ? cpuSeconds(p.proc.pid) : undefined;
  const r = await runWrk(p.address, load);
  if (p.proc && !isRunning(p.proc))
    throw new Error(`${p.spec.label} exited during the ${load.path} run:\n${tail(p.proc.logFile)}`);
  const after = p.proc ? cpuSeconds(p.proc.pid) : undefined;
  const cpu = before === undefined || after === undefined ? undefined : after - before;
  return {
    requests: r.requests,
    requestsPerSec: r.requestsPerSec,
    p50Ms: r.p50Ms,
    p99Ms: r.p99Ms,
    mbPerSec: r.bytesPerSec / 1e6,
    errors: r.errors,
    cpuSeconds: cpu,
    cpuSecondsPer100k: cpu === undefined || r.requests === 0 ? undefined : (cpu / r.requests) * 1e5,
  };
}

/** One line per peer and load that saw socket errors or non-2xx answers. */
export function errorNotes(results: ThroughputResults): string[] {
  const notes: string[] = [];
  for (const load of LOAD_IDS) {
    for (const [peer, samples] of Object.entries(results[load])) {
      const errors = samples.reduce((a, s) => a + s.errors, 0);
      const requests = samples.reduce((a, s) => a + s.requests, 0);
      if (errors) notes.push(`${load}: ${peer} had ${errors} errors in ${requests} requests`);
    }
  }
  return notes;
}
