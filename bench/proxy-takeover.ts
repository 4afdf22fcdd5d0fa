/**
 * The gap when kubeha takes 127.0.0.1:6443 over from Kubespray's nginx-proxy.
 * nginx (Kubespray's stream config, 2 workers, no reuseport) serves; kubeha waits
 * on the same address with bindRetry; a client starts a TLS request every 5 ms;
 * nginx gets SIGTERM (what the container runtime sends when kubelet removes the
 * nginx-proxy static pod). Measured: the window in which requests failed, from
 * the first failure to the first success after it, and how many failed.
 * Beside it, the gap without a waiting kubeha: a kubeha started only once nginx is
 * gone (spawn -> first served request), the least a container start would cost.
 * Run: npm run bench -- takeover [--quick] [--trials=N]
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLabCluster } from '../src/lab/cluster.js';
import { nginxStreamConfig } from './proxy/peer-configs.js';
import { startProcess, stopProcess, sleep, freePort, type Started } from './proxy/processes.js';
import { httpsGet } from '../test/lab/tls-client.js';
import { summarize } from './proxy/stats.js';

const KUBEHA_BIN = new URL('../../bin/kubeha', import.meta.url).pathname;
const EVERY_MS = 5;

interface Probe {
  at: number;
  ok: boolean;
}

/** A request every EVERY_MS until stopped; bounded to 30 s. */
function clientLoop(via: { host: string; port: number; ca: string }) {
  const probes: Probe[] = [];
  let on = true;
  const inFlight: Promise<void>[] = [];
  const done = (async () => {
    const end = Date.now() + 30_000;
    while (on && Date.now() < end) {
      const at = Date.now();
      inFlight.push(
        httpsGet({ ...via, path: '/version', timeoutMs: 3000 }).then(
          (r) => void probes.push({ at, ok: r.status === 200 }),
          () => void probes.push({ at, ok: false }),
        ),
      );
      await sleep(EVERY_MS);
    }
    await Promise.all(inFlight);
  })();
  return {
    probes,
    stop: async () => {
      on = false;
      await done;
    },
  };
}

/** First failure to the first success after it (by request start), and the failures. */
function gapOf(probes: Probe[]): { gapMs: number; failed: number } {
  const s = [...probes].sort((a, b) => a.at - b.at);
  const firstFail = s.findIndex((p) => !p.ok);
  if (firstFail < 0) return { gapMs: 0, failed: 0 };
  const recovered = s.slice(firstFail).find((p) => p.ok);
  return {
    gapMs: (recovered?.at ?? s.at(-1)!.at) - s[firstFail]!.at,
    failed: s.filter((p) => !p.ok).length,
  };
}

function kubehaArgs(port: number, upstreams: string[], bindRetry: string): string[] {
  return [
    KUBEHA_BIN,
    'proxy',
    ...['--listen', `127.0.0.1:${port}`, '--admin', 'off', '--bind-retry', bindRetry],
    ...['--health-check', 'tcp', '--log-level', 'info'],
    ...upstreams.flatMap((u) => ['--upstream', u]),
  ];
}

export async function run(flags: string[]): Promise<void> {
  const trialsFlag = flags.find((f) => f.startsWith('--trials='))?.split('=')[1];
  const trials = Number(trialsFlag ?? (flags.includes('--quick') ? 3 : 7));
  const lab = await startLabCluster({ watchEventIntervalMs: 1000 });
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-bench-takeover-'));
  const upstreams = lab.servers.map((s) => s.address);
  const waiting = { gapMs: [] as number[], failed: [] as number[] };
  const cold: number[] = [];
  const procs: Started[] = [];
  try {
    for (let i = 0; i < trials; i++) {
      const port = await freePort();
      const via = { host: '127.0.0.1', port, ca: lab.ca.cert };
      const prefix = join(dir, `t${i}`);
      const conf = `${prefix}-nginx.conf`;
      mkdirSync(prefix, { recursive: true });
      writeFileSync(
        conf,
        nginxStreamConfig({
          listen: { host: '127.0.0.1', port },
          upstreams: lab.servers.map((s) => ({ host: s.host, port: s.port })),
          prefix,
          workers: 2,
        }),
      );
      const nginxArgs = ['-p', prefix, '-e', `${prefix}/error.log`, '-c', conf];
      const log = (n: string) => ({ logFile: join(prefix, `${n}.log`) });
      const start = (name: string, cmd: string, args: string[]) => {
        const p = startProcess(name, cmd, args, log(name));
        procs.push(p);
        return p;
      };
      const kubehaWith = (name: string, bindRetry: string) =>
        start(name, process.execPath, kubehaArgs(port, upstreams, bindRetry));

      // 1. kubeha waiting with bindRetry while nginx serves.
      const nginx = start('nginx', 'nginx', nginxArgs);
      await sleep(300);
      const kubeha = kubehaWith('kubeha', '60s');
      await sleep(1500); // checks settled, waiting for the port
      let loop = clientLoop(via);
      await sleep(300);
      await stopProcess(nginx);
      await sleep(700);
      await loop.stop();
      const g = gapOf(loop.probes);
      waiting.gapMs.push(g.gapMs);
      waiting.failed.push(g.failed);
      await stopProcess(kubeha);

      // 2. No kubeha waiting: started only once nginx is gone.
      const nginx2 = start('nginx2', 'nginx', nginxArgs);
      await sleep(300);
      loop = clientLoop(via);
      await sleep(300);
      await stopProcess(nginx2);
      const t0 = Date.now();
      const late = kubehaWith('kubeha2', '0s');
      await sleep(1500);
      await loop.stop();
      const firstOk = loop.probes.filter((p) => p.ok && p.at >= t0).sort((a, b) => a.at - b.at)[0];
      cold.push(firstOk ? firstOk.at - t0 : NaN);
      await stopProcess(late);
    }
  } finally {
    for (const p of procs) await stopProcess(p);
    await lab.close();
    await rm(dir, { recursive: true, force: true });
  }
  const w = summarize(waiting.gapMs) ?? { median: NaN, max: NaN };
  const c = summarize(cold) ?? { median: NaN, max: NaN };
  console.log(
    JSON.stringify(
      {
        trials,
        requestEveryMs: EVERY_MS,
        waitingKubeha: { gapMs: w, failedRequests: waiting.failed },
        kubehaStartedAfterNginx: { spawnToFirstServedMs: c },
      },
      null,
      2,
    ),
  );
  console.log(
    `\nnginx-proxy -> kubeha takeover, ${trials} trials: a waiting kubeha (bindRetry) leaves a gap of ` +
      `${w.median} ms median (max ${w.max}); a kubeha started after nginx stopped serves after ` +
      `${c.median} ms median (max ${c.max}), before any container or kubelet delay.`,
  );
}
