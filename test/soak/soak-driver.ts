/**
 * The soak, run inside the fault suite's worker namespace: a `kubeha proxy` process
 * under steady load (one-shot requests plus 30 watch streams that re-open when
 * closed) while a chaos loop kills, hangs, un-readies, partitions and restores
 * random control planes every few seconds, never leaving the proxy without a
 * healthy one. Prints one JSON line: the SoakReport.
 *
 *   node dist/test/soak/soak-driver.js --cps NS1,NS2,NS3 --seconds S
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FaultRig, allHealthy, status, waitStatus, type ControlPlane } from '../faults/harness.js';
import { proxyConfig } from '../faults/scenarios.js';
import { RequestLoop, WatchPool, splitFailures, type FaultWindow } from '../faults/clients.js';
import { openFds, quietFds, rssMiB } from './process-sample.js';
import type { SoakReport } from './report.js';

const PROBE = new URL('./loop-delay-probe.js', import.meta.url).pathname;
const CHAOS = ['kill', 'hang', 'unready', 'partition'] as const;
type Chaos = (typeof CHAOS)[number];
const WATCHES = 30;

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

interface Fault {
  cp: ControlPlane;
  kind: Chaos;
  from: number;
  to?: number;
}

async function inflict(cp: ControlPlane, kind: Chaos): Promise<void> {
  if (kind === 'kill') await cp.kill();
  else if (kind === 'partition') cp.partition();
  else await cp.send(kind);
}

async function restore(f: Fault): Promise<void> {
  if (f.kind === 'kill') await f.cp.start();
  else if (f.kind === 'partition') f.cp.heal();
  else await f.cp.send(f.kind === 'hang' ? 'resume' : 'ready');
  f.to = Date.now();
}

async function main(): Promise<void> {
  const cps = arg('cps')?.split(',') ?? [];
  const seconds = Number(arg('seconds') ?? 600);
  const warmupMs = Math.max(15_000, seconds * 100);
  const rig = await FaultRig.start(cps);
  const dir = await mkdtemp(join(tmpdir(), 'kubeha-soak-'));
  const probe = join(dir, 'loop-delay.json');
  process.env.KUBEHA_SOAK_PROBE = probe;
  try {
    const proxy = await rig.startProxy(
      proxyConfig(
        rig,
        rig.cps.map((c) => c.address),
      ),
      PROBE,
    );
    const pid = proxy.child.pid!;
    const ready = await waitStatus(allHealthy, 20_000);
    if (!ready.held) throw new Error('upstreams never all healthy');
    const fdsStart = await quietFds(pid);
    const rssStart = rssMiB(pid);

    const t0 = Date.now();
    const requests = new RequestLoop(rig.ca.cert, 2, 50, seconds * 1000 + 60_000);
    const watches = new WatchPool(rig.ca.cert, WATCHES, 100);
    let rssWarm = NaN;
    let rssPeak = rssStart;
    let fdsPeak = fdsStart;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, rssMiB(pid));
      fdsPeak = Math.max(fdsPeak, openFds(pid));
      if (Number.isNaN(rssWarm) && Date.now() - t0 >= warmupMs) rssWarm = rssMiB(pid);
    }, 1000);

    // Chaos: every 2-4 s fault a random control plane or restore a faulted one; at most
    // two at once, and only while another one is healthy and untouched.
    const faults: Fault[] = [];
    const active = () => faults.filter((f) => f.to === undefined);
    const end = t0 + seconds * 1000;
    while (Date.now() < end) {
      await sleep(2000 + Math.random() * 2000);
      const now = active();
      if (now.length === 2 || (now.length > 0 && Math.random() < 0.5)) {
        await restore(pick(now));
        continue;
      }
      const s = await status();
      const healthy = (cp: ControlPlane) =>
        s.upstreams.find((u) => u.address === cp.address)?.health === 'healthy';
      const free = rig.cps.filter((cp) => !now.some((f) => f.cp === cp));
      const target = pick(free);
      if (!free.some((cp) => cp !== target && healthy(cp))) continue;
      const kind = pick(CHAOS);
      faults.push({ cp: target, kind, from: Date.now() });
      await inflict(target, kind);
    }
    const rssEnd = rssMiB(pid);
    for (const f of active()) await restore(f);
    const recovered = await waitStatus(allHealthy, 30_000);
    const results = await requests.stop();
    await watches.stop();
    clearInterval(sampler);

    // A fault's window runs from its start until the proxy marked the upstream unhealthy
    // (or the fault ended), plus a second for the close to reach the client.
    const transitions = rig.transitions();
    const windows: FaultWindow[] = faults.map((f) => {
      const detected = transitions.find(
        (t) => t.upstream === f.cp.address && t.to === 'unhealthy' && t.time >= f.from,
      )?.time;
      return {
        upstream: f.cp.address,
        from: f.from,
        to: Math.min(detected ?? Infinity, f.to ?? Infinity) + 1000,
      };
    });
    const split = splitFailures(results, windows);
    const opens = watches.opens;
    const wsplit = splitFailures(opens, windows);
    // Back to baseline: every client gone, every upstream healthy, nothing left open.
    let fdsEnd = await quietFds(pid);
    for (let i = 0; i < 20 && fdsEnd > fdsStart; i++) fdsEnd = await quietFds(pid);
    const loop = JSON.parse(await readFile(probe, 'utf8')) as { p99Ms: number; maxMs: number };
    const count = (k: Chaos) => faults.filter((f) => f.kind === k).length;
    const report: SoakReport = {
      seconds,
      warmupSeconds: warmupMs / 1000,
      requests: {
        total: results.length,
        failed: split.onFailing.length + split.unexplained.length,
        onFailingUpstream: split.onFailing.length,
        unexplained: split.unexplained.map((r) => `${r.error} at +${r.start - t0} ms`),
      },
      watches: {
        opened: opens.length,
        reopenedAfterClose: watches.closes,
        openFailures: wsplit.onFailing.length + wsplit.unexplained.length,
        unexplained: wsplit.unexplained.map((r) => `${r.error} at +${r.start - t0} ms`),
      },
      chaos: {
        kill: count('kill'),
        hang: count('hang'),
        unready: count('unready'),
        partition: count('partition'),
        restores: faults.filter((f) => f.to !== undefined).length,
      },
      transitions: transitions.length,
      recovered: recovered.held,
      fds: { start: fdsStart, peak: fdsPeak, end: fdsEnd },
      rssMiB: { start: rssStart, warm: rssWarm, peak: rssPeak, end: rssEnd },
      eventLoopDelayMs: loop,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await rig.close();
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`soak: ${err.stack}\n`);
    process.exit(1);
  },
);
