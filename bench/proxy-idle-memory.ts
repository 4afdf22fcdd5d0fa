/**
 * What an idle node-local proxy costs on every node: the memory of its process
 * tree with three TLS API servers (the lab's), health checks settled, no traffic.
 * kubeha runs as the image runs it (NODE_OPTIONS from the Containerfile, https
 * checks verified against the CA), single process and --workers 2; beside it
 * nginx with Kubespray's nginx-proxy config (2 workers, as Kubespray ships it) and
 * HAProxy with Kubespray's haproxy.cfg. RSS counts the Node binary's shared pages
 * in every process of a tree; PSS shares them out, which is what a tree really
 * adds to a node.
 * Run: npm run bench -- memory [--trials=N]
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startLabCluster } from '../src/lab/cluster.js';
import { haproxyConfig, nginxStreamConfig } from './proxy/peer-configs.js';
import { freePort, sleep, startProcess, stopProcess, waitForPort } from './proxy/processes.js';
import { processTree } from './proxy/proc-stats.js';
import { summarize } from './proxy/stats.js';
import { imageNodeOptions } from './proxy/image-settings.js';

const KUBEHA_BIN = resolve('bin', 'kubeha');
const SETTLE_MS = 5000;

interface TreeMemory {
  rssKiB: number;
  pssKiB: number;
  anonKiB: number;
  processes: number;
}

function treeMemory(root: number): TreeMemory {
  const m: TreeMemory = { rssKiB: 0, pssKiB: 0, anonKiB: 0, processes: 0 };
  for (const pid of processTree(root)) {
    try {
      const r = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(r)?.[1] ?? 0);
      m.rssKiB += kb('Rss');
      m.pssKiB += kb('Pss');
      m.anonKiB += kb('Anonymous');
      m.processes++;
    } catch {
      // exited meanwhile
    }
  }
  return m;
}

interface Variant {
  id: string;
  start(
    port: number,
    prefix: string,
  ): ReturnType<typeof startProcess> | Promise<ReturnType<typeof startProcess>>;
}

export async function run(flags: string[]): Promise<void> {
  const trials = Number(flags.find((f) => f.startsWith('--trials='))?.split('=')[1] ?? 3);
  const lab = await startLabCluster({ watchEventIntervalMs: 1000 });
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-bench-memory-'));
  const ca = join(dir, 'ca.crt');
  writeFileSync(ca, lab.ca.cert);
  const upstreams = lab.servers.map((s) => ({ host: s.host, port: s.port }));
  const nodeOptions = imageNodeOptions();
  const kubeha =
    (workers: number, options: string) =>
    async (port: number, prefix: string): Promise<ReturnType<typeof startProcess>> =>
      startProcess(
        'kubeha',
        process.execPath,
        [
          KUBEHA_BIN,
          'proxy',
          ...['--listen', `127.0.0.1:${port}`, '--admin', `127.0.0.1:${await freePort()}`],
          ...lab.servers.flatMap((s) => ['--upstream', s.address]),
          ...['--ca-file', ca, '--workers', String(workers), '--log-level', 'warn'],
        ],
        { logFile: join(prefix, 'out.log'), env: { ...process.env, NODE_OPTIONS: options } },
      );
  const variants: Variant[] = [
    { id: `kubeha, image NODE_OPTIONS (${nodeOptions || 'none'})`, start: kubeha(1, nodeOptions) },
    { id: 'kubeha, no NODE_OPTIONS', start: kubeha(1, '') },
    { id: 'kubeha --workers 2, image NODE_OPTIONS', start: kubeha(2, nodeOptions) },
    {
      id: 'nginx-proxy (Kubespray: 2 workers)',
      start: (port, prefix) => {
        const conf = join(prefix, 'nginx.conf');
        writeFileSync(
          conf,
          nginxStreamConfig({ listen: { host: '127.0.0.1', port }, upstreams, prefix, workers: 2 }),
        );
        return startProcess(
          'nginx',
          'nginx',
          ['-p', prefix, '-e', `${prefix}/error.log`, '-c', conf],
          {
            logFile: join(prefix, 'out.log'),
          },
        );
      },
    },
    {
      id: 'HAProxy (Kubespray haproxy.cfg)',
      start: (port, prefix) => {
        const conf = join(prefix, 'haproxy.cfg');
        writeFileSync(
          conf,
          haproxyConfig({
            listen: { host: '127.0.0.1', port },
            upstreams,
            prefix,
            tlsChecks: true,
          }),
        );
        return startProcess('haproxy', 'haproxy', ['-db', '-f', conf], {
          logFile: join(prefix, 'out.log'),
        });
      },
    },
  ];
  const results: Record<string, TreeMemory[]> = {};
  try {
    for (let t = 0; t < trials; t++) {
      for (const v of variants) {
        const prefix = join(dir, `${t}-${v.id.replace(/\W+/g, '-')}`);
        mkdirSync(prefix, { recursive: true });
        const port = await freePort();
        const proc = await v.start(port, prefix);
        try {
          await waitForPort(proc, '127.0.0.1', port, 10_000);
          await sleep(SETTLE_MS);
          (results[v.id] ??= []).push(treeMemory(proc.pid));
        } finally {
          await stopProcess(proc);
        }
      }
    }
  } finally {
    await lab.close();
    await rm(dir, { recursive: true, force: true });
  }
  const mib = (k: number | undefined) => (k === undefined ? '—' : (k / 1024).toFixed(1));
  console.log(
    `Idle memory, 3 TLS upstreams, checks settled (${SETTLE_MS / 1000} s), median of ${trials}:\n`,
  );
  console.log('| process tree | processes | RSS MiB | PSS MiB | anonymous MiB |');
  console.log('|---|---:|---:|---:|---:|');
  for (const v of variants) {
    const rs = results[v.id] ?? [];
    const med = (f: (m: TreeMemory) => number) => summarize(rs.map(f))?.median;
    console.log(
      `| ${v.id} | ${rs[0]?.processes ?? '—'} | ${mib(med((m) => m.rssKiB))} | ${mib(med((m) => m.pssKiB))} | ${mib(med((m) => m.anonKiB))} |`,
    );
  }
}
