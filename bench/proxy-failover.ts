/**
 * How fast kubeha proxy moves an established watch off an API server that goes
 * bad, with the default health-check settings (1 s interval, 1 s timeout,
 * fall 2, 200 ms edge interval, 10% jitter). Each trial injects the fault at a
 * random phase of the check schedule and measures fault -> the watch stream on
 * that upstream is closed by the proxy.
 * Run: npm run bench -- failover [--quick] [--trials=N] [--workers=N]
 * (JSON on stdout; targets from the proxy issue: 1.5 s and 2.5 s).
 */
import { pino } from 'pino';
import { startLabCluster } from '../src/lab/cluster.js';
import { ProxyDaemon } from '../src/proxy/daemon.js';
import { ProxySupervisor } from '../src/proxy/cluster-supervisor.js';
import { validateConfig } from '../src/proxy/config.js';
import { openWatch, waitFor, type WatchHandle } from '../test/lab/tls-client.js';
import { freePort } from '../test/proxy/helpers.js';

const TARGET_MS = { readyzFailing: 1500, hostSilent: 2500 };

function intFlag(flags: string[], name: string, fallback: number): number {
  const v = flags.find((f) => f.startsWith(`--${name}=`))?.split('=')[1];
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${name} wants a positive integer, got ${v}`);
  return n;
}

function summary(ms: number[]): {
  n: number;
  min: number;
  median: number;
  p90: number;
  max: number;
} {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { n: s.length, min: s[0]!, median: q(0.5), p90: q(0.9), max: s.at(-1)! };
}

export async function run(flags: string[]): Promise<void> {
  const trials = intFlag(flags, 'trials', flags.includes('--quick') ? 4 : 10);
  const workers = intFlag(flags, 'workers', 1);
  const lab = await startLabCluster({ watchEventIntervalMs: 1000 });
  const port = await freePort();
  const cfg = validateConfig({
    listen: [`127.0.0.1:${port}`],
    upstreams: lab.servers.map((s) => s.address),
    admin: null,
    workers,
    logLevel: 'silent',
  });
  const logger = pino({ level: 'silent' });
  const proxy = workers > 1 ? new ProxySupervisor(cfg, logger) : new ProxyDaemon(cfg, { logger });
  const pool = proxy instanceof ProxySupervisor ? proxy.control.pool : proxy.pool;
  await proxy.start();
  const via = { host: '127.0.0.1', port, ca: lab.ca.cert };
  const healthy = () => pool.upstreams.every((u) => u.health.health === 'healthy');
  const results: Record<string, number[]> = { readyzFailing: [], hostSilent: [] };
  try {
    for (const scenario of ['readyzFailing', 'hostSilent'] as const) {
      for (let i = 0; i < trials; i++) {
        await waitFor(healthy, 10_000);
        const victim = lab.servers[i % 3]!;
        // Each worker balances on its own, so open watches until one lands on the victim.
        const ws: WatchHandle[] = [];
        while (!ws.some((x) => x.servedBy === victim.name) && ws.length < 30)
          ws.push(await openWatch(via));
        const w = ws.find((x) => x.servedBy === victim.name)!;
        await new Promise((r) => setTimeout(r, Math.random() * 1000)); // random phase
        const t0 = Date.now();
        if (scenario === 'readyzFailing') victim.unready(['etcd']);
        else victim.hang();
        const closed = await Promise.race([
          w.closed,
          new Promise<number>((r) => setTimeout(() => r(NaN), 15_000)),
        ]);
        results[scenario]!.push(closed - t0);
        for (const x of ws) x.stop();
        await victim.resume();
      }
    }
  } finally {
    await proxy.stop(0);
    await lab.close();
  }
  const out = {
    settings: 'defaults: interval 1s, timeout 1s, fall 2, edgeInterval 200ms, jitter 0.1',
    workers,
    watchMovedOffMs: {
      readyzFailing: summary(results.readyzFailing!),
      hostSilent: summary(results.hostSilent!),
    },
    raw: results,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  for (const k of ['readyzFailing', 'hostSilent'] as const) {
    const m = out.watchMovedOffMs[k];
    process.stdout.write(
      `${k}: watch moved off after median ${m.median} ms, max ${m.max} ms over ${m.n} trials (target ${TARGET_MS[k]} ms)\n`,
    );
  }
}
