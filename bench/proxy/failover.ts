/**
 * Scenario 5: failover against the lab's TLS API servers (src/lab). All peers run
 * side by side against the same three servers and see the same failure at the same
 * moment; each gets its own request loop and watch streams. Peers start fresh for
 * every scenario so no health state carries over (HAProxy needs rise 2 × 15 s to
 * readmit a server, which would otherwise bleed into the next scenario).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HostPort } from '../../src/shared/address.js';
import {
  openWatch,
  RequestLoop,
  SLOW_MS,
  type TlsClient,
  type WatchStream,
} from './failover-client.js';
import { startPeer, type PeerSpec, type RunningPeer } from './peers.js';
import { sleep } from './processes.js';

/** The part of src/lab this scenario uses (loaded at run time: the lab is optional). */
interface LabServer {
  host: string;
  port: number;
  name: string;
  die(): Promise<void>;
  hang(): void;
  unready(checks?: string[]): void;
  resume(): Promise<void>;
}
interface Lab {
  ca: { cert: string };
  servers: LabServer[];
  kubeletClient: { cert: string; key: string };
  close(): Promise<void>;
}

export type FailoverId = 'kill' | 'hang' | 'unready' | 'allUnready';

export const FAILOVER_TITLES: Record<FailoverId, string> = {
  kill: '5a upstream killed (refused, connections reset)',
  hang: '5b upstream hung (accepts, never answers)',
  unready: '5c upstream unready (/readyz 500, still serving)',
  allUnready: '5d all upstreams unready',
};

export interface FailoverResult {
  scenario: FailoverId;
  peer: string;
  windowSeconds: number;
  requests: number;
  failed: number;
  slow: number;
  /** Start of the last failed or slow request after the event (s); undefined: none. */
  lastBadSeconds?: number;
  /** Start of the last request the affected server answered after the event (s). */
  lastToAffectedSeconds?: number;
  /** When the proxy closed the watch that was on the affected server (s); undefined: not within window. */
  watchClosedSeconds?: number;
  watchOnAffected: boolean;
  /** Share of requests in the last third of the window that succeeded. */
  servingLastThird: number;
  errors: Record<string, number>;
}

export async function loadLab(): Promise<{ start: () => Promise<Lab> } | { missing: string }> {
  const file = resolve('dist', 'src', 'lab', 'cluster.js');
  try {
    const mod = (await import(pathToFileURL(file).href)) as {
      startLabCluster?: (o: object) => Promise<Lab>;
    };
    if (typeof mod.startLabCluster !== 'function')
      return { missing: 'startLabCluster not exported' };
    const start = mod.startLabCluster;
    return { start: () => start({ port: 0, watchEventIntervalMs: 1000 }) };
  } catch (e) {
    return { missing: `src/lab not built (${(e as Error).message.split('\n')[0]})` };
  }
}

export interface FailoverOptions {
  windows: Record<FailoverId, number>;
  intervalMs: number;
  dir: string;
  nodeFlags?: string[];
}

export async function runFailover(
  lab: Lab,
  specs: PeerSpec[],
  opts: FailoverOptions,
  log: (line: string) => void,
): Promise<FailoverResult[]> {
  const upstreams: HostPort[] = lab.servers.map((s) => ({ host: s.host, port: s.port }));
  const tls: TlsClient = {
    ca: lab.ca.cert,
    cert: lab.kubeletClient.cert,
    key: lab.kubeletClient.key,
  };
  const out: FailoverResult[] = [];
  // Non-destructive first; the killed server is last.
  for (const id of ['unready', 'allUnready', 'hang', 'kill'] as FailoverId[]) {
    for (const s of lab.servers) await s.resume();
    const peers: RunningPeer[] = [];
    try {
      for (const spec of specs)
        peers.push(
          await startPeer(spec, { dir: opts.dir, upstreams, tls: true, nodeFlags: opts.nodeFlags }),
        );
      const results = await oneScenario(id, lab, peers, tls, opts);
      out.push(...results);
      log(`  ${FAILOVER_TITLES[id]}: ${results.map(short).join('; ')}`);
    } finally {
      for (const p of peers) await p.stop();
    }
  }
  for (const s of lab.servers) await s.resume();
  return out;
}

function short(r: FailoverResult): string {
  return `${r.peer} ${r.failed}/${r.requests} failed, ${r.slow} slow`;
}

async function oneScenario(
  id: FailoverId,
  lab: Lab,
  peers: RunningPeer[],
  tls: TlsClient,
  opts: FailoverOptions,
): Promise<FailoverResult[]> {
  const affected = lab.servers[0]!;
  const windowMs = opts.windows[id] * 1000;
  let eventAt = performance.now() + 60_000; // set for real below
  await sleep(1000); // health checkers' first rounds
  // A watch on the affected server per peer (least_conn spreads the first few).
  const watches = new Map<string, { onAffected?: WatchStream; all: WatchStream[] }>();
  for (const p of peers) {
    const entry: { onAffected?: WatchStream; all: WatchStream[] } = { all: [] };
    for (let i = 0; i < 6 && !entry.onAffected; i++) {
      const w = await openWatch(p.address, tls, () => eventAt);
      if (!w) continue;
      entry.all.push(w);
      if (w.server === affected.name) entry.onAffected = w;
    }
    watches.set(p.spec.id, entry);
  }
  const loops = peers.map((p) => new RequestLoop(p.address, tls, opts.intervalMs));
  for (const l of loops) l.start();
  await sleep(500); // the loops run before the event too
  eventAt = performance.now();
  for (const l of loops) l.eventAt = eventAt;
  if (id === 'kill') await affected.die();
  else if (id === 'hang') affected.hang();
  else if (id === 'unready') affected.unready(['etcd']);
  else for (const s of lab.servers) s.unready(['etcd']);
  await sleep(windowMs);
  await Promise.all(loops.map((l) => l.stop()));
  const results = peers.map((p, i) =>
    analyse(id, p.spec.id, loops[i]!, watches.get(p.spec.id)!, affected.name, windowMs),
  );
  for (const w of watches.values()) for (const s of w.all) s.close();
  return results;
}

function analyse(
  id: FailoverId,
  peer: string,
  loop: RequestLoop,
  watch: { onAffected?: WatchStream },
  affected: string,
  windowMs: number,
): FailoverResult {
  const inWindow = loop.records.filter((r) => r.startMs >= 0 && r.startMs < windowMs);
  const bad = inWindow.filter((r) => !r.ok || r.durationMs > SLOW_MS);
  const lastThird = inWindow.filter((r) => r.startMs >= (windowMs * 2) / 3);
  const toAffected = inWindow.filter((r) => r.server === affected);
  const errors: Record<string, number> = {};
  for (const r of inWindow)
    if (!r.ok) errors[r.error ?? 'error'] = (errors[r.error ?? 'error'] ?? 0) + 1;
  const closed = watch.onAffected?.closedMs;
  return {
    scenario: id,
    peer,
    windowSeconds: windowMs / 1000,
    requests: inWindow.length,
    failed: inWindow.filter((r) => !r.ok).length,
    slow: inWindow.filter((r) => r.ok && r.durationMs > SLOW_MS).length,
    lastBadSeconds: bad.length ? Math.max(...bad.map((r) => r.startMs)) / 1000 : undefined,
    lastToAffectedSeconds: toAffected.length
      ? Math.max(...toAffected.map((r) => r.startMs)) / 1000
      : undefined,
    watchClosedSeconds:
      closed !== undefined && closed >= 0 && closed < windowMs ? closed / 1000 : undefined,
    watchOnAffected: watch.onAffected !== undefined,
    servingLastThird: lastThird.length
      ? lastThird.filter((r) => r.ok).length / lastThird.length
      : NaN,
    errors,
  };
}
