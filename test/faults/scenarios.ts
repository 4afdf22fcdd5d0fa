/**
 * The network faults, each one scenario run in the worker namespace against a real
 * `kubeha proxy` process and three lab API servers behind veth links. A scenario
 * returns what happened as plain numbers; faults.test.ts holds the assertions.
 */
import { API_PORT, RELAY_PORT, cpAddress } from './topology.js';
import {
  allHealthy,
  admin,
  silence,
  status,
  unsilence,
  waitStatus,
  type FaultRig,
} from './harness.js';
import {
  oneRequest,
  RequestLoop,
  splitFailures,
  via,
  WatchPool,
  type FaultWindow,
  type RequestResult,
} from './clients.js';
import { openWatch } from '../lab/tls-client.js';

/** The suite's proxy timings: the defaults' shape, faster, with room for a 200 ms link. */
export const CHECKS = { intervalMs: 500, timeoutMs: 2000, edgeMs: 200, rise: 2, fall: 2 };
export const CONNECT_TIMEOUT_MS = 1000;
/** Longest an active check can take to turn a silent upstream unhealthy (one interval, then `fall` timed-out checks). */
export const HEALTH_BOUND_MS =
  CHECKS.intervalMs * 1.1 + CHECKS.fall * (CHECKS.timeoutMs + CHECKS.edgeMs);

export function proxyConfig(rig: FaultRig, upstreams: string[], extra = ''): string {
  return [
    'listen: ["127.0.0.1:6443"]',
    'admin: 127.0.0.1:8081',
    `upstreams: [${upstreams.join(', ')}]`,
    `connectTimeout: ${CONNECT_TIMEOUT_MS}ms`,
    'shutdownTimeout: 500ms',
    'logLevel: info',
    // Rebalancing waits 5 s of steady health here (20 s by default).
    'rebalance: {healthyFor: 5s}',
    `healthCheck: {interval: ${CHECKS.intervalMs}ms, timeout: ${CHECKS.timeoutMs}ms, edgeInterval: ${CHECKS.edgeMs}ms,` +
      ` rise: ${CHECKS.rise}, fall: ${CHECKS.fall}, caFile: ${rig.caFile}}`,
    extra,
    '',
  ].join('\n');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const addresses = (rig: FaultRig) => rig.cps.map((cp) => cp.address);
const failures = (rs: RequestResult[]) => rs.filter((r) => !r.ok).map((r) => r.error);

async function waitWatches(pool: WatchPool, n: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (pool.open.size < n && Date.now() < end) await sleep(50);
  return pool.open.size >= n;
}

async function ensureAllHealthy(): Promise<void> {
  const s = await waitStatus(allHealthy, 20_000);
  if (!s.held) throw new Error(`upstreams not all healthy: ${JSON.stringify(s.status.upstreams)}`);
}

/** A host whose packets vanish: new connections fail over within the connect timeout, its stream moves. */
async function silentHost(rig: FaultRig): Promise<object> {
  await rig.startProxy(proxyConfig(rig, addresses(rig)));
  await ensureAllHealthy();
  const pool = new WatchPool(rig.ca.cert, 3);
  await waitWatches(pool, 3, 15_000);
  const victim = rig.cps[1]!;
  const spreadBefore = pool.spread();
  const onVictim = [...pool.open].filter((w) => w.servedBy === victim.address);
  const t0 = Date.now();
  silence(victim);
  // New connections at once, before any check has noticed.
  const requests: RequestResult[] = [];
  for (let i = 0; i < 6; i++) requests.push(await oneRequest(rig.ca.cert));
  const unhealthy = await waitStatus(
    (s) => s.upstreams.find((u) => u.address === victim.address)?.health === 'unhealthy',
    HEALTH_BOUND_MS + 15_000,
  );
  const unhealthyAfterMs = unhealthy.held ? Date.now() - t0 : -1;
  const moved = await Promise.race([
    Promise.all(onVictim.map((w) => w.closed)).then((ts) => Math.max(t0, ...ts) - t0),
    sleep(HEALTH_BOUND_MS + 15_000).then(() => -1),
  ]);
  await waitWatches(pool, 3, 15_000);
  const spreadAfter = pool.spread();
  unsilence(victim);
  const back = await waitStatus(allHealthy, 20_000);
  await pool.stop();
  return {
    spreadBefore,
    spreadAfter,
    onVictim: onVictim.length,
    requests: requests.length,
    failed: failures(requests),
    requestMs: requests.map((r) => r.end - r.start),
    servedByVictim: requests.filter((r) => r.servedBy === victim.address).length,
    unhealthyAfterMs,
    watchMovedAfterMs: moved,
    recovered: back.held,
    victim: victim.address,
  };
}

/** One control plane partitioned and healed every 2-3 s. */
async function flapping(rig: FaultRig, seconds: number): Promise<object> {
  await rig.startProxy(proxyConfig(rig, addresses(rig)));
  await ensureAllHealthy();
  const victim = rig.cps[1]!;
  const pool = new WatchPool(rig.ca.cert, 6);
  await waitWatches(pool, 6, 15_000);
  const loop = new RequestLoop(rig.ca.cert, 2, 50, seconds * 1000 + 30_000);
  const starts: FaultWindow[] = [];
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    victim.partition();
    starts.push({ upstream: victim.address, from: Date.now(), to: Date.now() });
    await sleep(2000 + Math.random() * 1000);
    victim.heal();
    await sleep(2000 + Math.random() * 1000);
  }
  const results = await loop.stop();
  const back = await waitStatus(allHealthy, 20_000);
  await pool.stop();
  const transitions = rig.transitions();
  const { onFailing, unexplained } = splitFailures(results, starts);
  return {
    victim: victim.address,
    partitions: starts.length,
    requests: results.length,
    // In flight on the victim as its partition began: its packets stop, the proxy
    // closes it once the upstream is unhealthy. Any other failure is the proxy's.
    inFlightAtPartition: onFailing.map((r) => r.error),
    failed: unexplained.map((r) => `${r.error} at +${r.start - starts[0]!.from} ms`),
    slowestMs: Math.max(...results.map((r) => r.end - r.start)),
    victimTransitions: transitions.filter((t) => t.upstream === victim.address).map((t) => t.to),
    otherTransitions: transitions.filter((t) => t.upstream !== victim.address).length,
    watchReopens: pool.closes,
    watchOpenFailures: pool.opens.filter((o) => !o.ok).length,
    recovered: back.held,
  };
}

/** Established connections to one control plane answered with a TCP reset. */
async function resets(rig: FaultRig): Promise<object> {
  await rig.startProxy(proxyConfig(rig, addresses(rig)));
  await ensureAllHealthy();
  const watches = [];
  for (let i = 0; i < 3; i++)
    watches.push(await openWatch({ ...via(rig.ca.cert), timeoutMs: 8000 }));
  const victim = rig.cps[0]!;
  const hit = watches.filter((w) => w.servedBy === victim.address);
  const spared = watches.filter((w) => w.servedBy !== victim.address);
  const eventsBefore = hit.map((w) => w.events.length);
  const t0 = Date.now();
  victim.resetEstablished();
  const closed = await Promise.race([
    Promise.all(hit.map((w) => w.closed)).then((ts) => Math.max(t0, ...ts) - t0),
    sleep(10_000).then(() => -1),
  ]);
  victim.heal();
  await ensureAllHealthy();
  const requests: RequestResult[] = [];
  for (let i = 0; i < 6; i++) requests.push(await oneRequest(rig.ca.cert));
  // The proxy's books once the dust settles (the one-shot requests' connections closed
  // too): what is open per upstream, what it has carried.
  const stillOpen = () => spared.filter((w) => w.isOpen()).length;
  const settled = await waitStatus(
    (s) =>
      s.upstreams.find((u) => u.address === victim.address)?.activeConnections === 0 &&
      s.upstreams.reduce((n, u) => n + u.activeConnections, 0) === stillOpen(),
    10_000,
  );
  const s = settled.status;
  const clientView: Record<string, number> = {};
  for (const w of spared)
    if (w.isOpen()) clientView[w.servedBy] = (clientView[w.servedBy] ?? 0) + 1;
  const result = {
    victim: victim.address,
    hit: hit.length,
    eventsBefore,
    closedAfterMs: closed,
    sparedOpen: spared.filter((w) => w.isOpen()).length,
    spared: spared.length,
    requests: requests.length,
    failed: failures(requests),
    active: Object.fromEntries(s.upstreams.map((u) => [u.address, u.activeConnections])),
    clientView,
    totalConnections: s.upstreams.reduce((n, u) => n + u.totalConnections, 0),
    clientConnections: watches.length + requests.length,
    proxyConnections: s.connections,
    failedConnections: s.failedConnections,
    victimHealth: rig
      .transitions()
      .filter((t) => t.upstream === victim.address)
      .map((t) => t.to),
  };
  for (const w of watches) w.stop();
  return result;
}

/** 200 ms each way on one control plane (through the agent's relay). */
async function latency(rig: FaultRig, seconds: number): Promise<object> {
  const slow = `${cpAddress(3)}:${RELAY_PORT}`;
  const ups = [`${cpAddress(1)}:${API_PORT}`, `${cpAddress(2)}:${API_PORT}`, slow];
  await rig.startProxy(proxyConfig(rig, ups));
  await ensureAllHealthy();
  const loop = new RequestLoop(rig.ca.cert, 6, 0, seconds * 1000);
  await sleep(seconds * 1000);
  const results = await loop.stop();
  const per: Record<string, number> = {};
  const ms: Record<string, number[]> = {};
  for (const r of results.filter((x) => x.ok)) {
    per[r.servedBy!] = (per[r.servedBy!] ?? 0) + 1;
    (ms[r.servedBy!] ??= []).push(r.end - r.start);
  }
  const s = await status();
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? -1;
  return {
    slow: rig.cps[2]!.address,
    requests: results.length,
    failed: failures(results),
    servedBy: per,
    medianRequestMs: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, median(v)])),
    checks: Object.fromEntries(
      s.upstreams.map((u) => [u.address, { health: u.health, latencyMs: u.lastCheck?.latencyMs }]),
    ),
    transitions: rig.transitions().length,
  };
}

/** Streams in the all-partitioned scenario; rebalancing aims at an even share (4 each). */
export const SPREAD_STREAMS = 12;

/**
 * Every control plane partitioned at once, then healed one after another (as hosts come
 * back): panic mode, recovery, and the streams spread over the three again (rebalancing).
 */
async function allPartitioned(rig: FaultRig): Promise<object> {
  await rig.startProxy(proxyConfig(rig, addresses(rig)));
  await ensureAllHealthy();
  const pool = new WatchPool(rig.ca.cert, SPREAD_STREAMS, 200);
  await waitWatches(pool, SPREAD_STREAMS, 20_000);
  const spreadBefore = pool.spread();
  const t0 = Date.now();
  for (const cp of rig.cps) cp.partition();
  const panic = await waitStatus((s) => s.panic, HEALTH_BOUND_MS + 15_000);
  const panicAfterMs = panic.held ? Date.now() - t0 : -1;
  const readyzInPanic = (await admin('/readyz')).status;
  await sleep(2000);
  const t1 = Date.now();
  rig.cps[0]!.heal();
  const first = rig.cps[0]!.address;
  const recovered = await waitStatus(
    (s) => !s.panic && s.upstreams.find((u) => u.address === first)?.health === 'healthy',
    30_000,
  );
  const recoveredAfterMs = recovered.held ? Date.now() - t1 : -1;
  const reconnected = await waitWatches(pool, SPREAD_STREAMS, 20_000);
  const requests: RequestResult[] = [];
  for (let i = 0; i < 6; i++) requests.push(await oneRequest(rig.ca.cert));
  const spreadAfterFirst = pool.spread();
  for (const cp of rig.cps.slice(1)) {
    await sleep(3000);
    cp.heal();
  }
  const allBack = await waitStatus(allHealthy, 30_000);
  const tAll = Date.now();
  const spreadAllHealed = pool.spread();
  // Spread again: every server holds 60-140 % of an even share, as the rebalancing test asks.
  const even = SPREAD_STREAMS / rig.cps.length;
  const spread = () => {
    const per = pool.spread();
    return (
      pool.open.size === SPREAD_STREAMS &&
      rig.cps.every((cp) => {
        const n = per[cp.address] ?? 0;
        return n >= Math.ceil(even * 0.6) && n <= Math.floor(even * 1.4);
      })
    );
  };
  const end = tAll + 60_000;
  while (!spread() && Date.now() < end) await sleep(100);
  const spreadAfterMs = spread() ? Date.now() - tAll : -1;
  const final = await status();
  const spreadAfter = pool.spread();
  await pool.stop();
  return {
    spreadBefore,
    panicAfterMs,
    readyzInPanic,
    recoveredAfterMs,
    reconnected,
    requests: requests.length,
    failed: failures(requests),
    spreadAfterFirst,
    allHealed: allBack.held,
    spreadAllHealed,
    spreadAfterMs,
    spreadAfter,
    rebalanced: (final as unknown as { rebalance?: { closedConnections: number } }).rebalance
      ?.closedConnections,
    watchReopens: pool.closes,
    transitions: rig.transitions().length,
  };
}

export const SCENARIOS = {
  'silent-host': (rig: FaultRig) => silentHost(rig),
  flapping: (rig: FaultRig, seconds: number) => flapping(rig, seconds),
  resets: (rig: FaultRig) => resets(rig),
  latency: (rig: FaultRig, seconds: number) => latency(rig, seconds),
  'all-partitioned': (rig: FaultRig) => allPartitioned(rig),
} as const;
export type ScenarioName = keyof typeof SCENARIOS;
