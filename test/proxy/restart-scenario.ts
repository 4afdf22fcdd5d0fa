/**
 * The hitless restart, end to end with real processes: instance A serves, a client
 * opens a new connection every 10 ms and holds one watch; instance B starts on the
 * same addresses (SO_REUSEPORT); A gets SIGTERM. Prints one JSON line of what
 * happened. Run by restart.test.ts inside a network namespace of its own (so
 * net.ipv4.tcp_migrate_req can be set there; it listens on 6443 and 8081 there), and by
 * hand with `unshare --net sh -c 'ip link set lo up; exec node dist/test/proxy/restart-scenario.js'`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLabCluster } from '../../src/lab/cluster.js';
import { httpsGet, openWatch, waitFor } from '../lab/tls-client.js';

const BIN = new URL('../../../bin/kubeha', import.meta.url).pathname;
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const WORKERS = arg('workers', 1);
const DRAIN_MS = 1000;
const NEW_CONNECTION_EVERY_MS = 10;

export interface RestartResult {
  requests: number;
  /** Connections opened between A's SIGTERM and A's exit: the window a failure would show in. */
  requestsWhileStopping: number;
  failed: number;
  errors: string[];
  watchClosedAfterMs: number;
  aExitedAfterMs: number;
  aExitCode: number | null;
  reconnectOpen: boolean;
  servedByB: number;
  migrateReq: string;
}

interface Proc {
  child: ChildProcess;
  out: string;
  exited: Promise<number | null>;
}

function startProxy(config: string): Proc {
  const child = spawn(process.execPath, [BIN, 'proxy', '--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const p: Proc = {
    child,
    out: '',
    exited: new Promise((r) => child.once('exit', (code) => r(code))),
  };
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (p.out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (p.out += c));
  return p;
}

async function main(): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const migrateReq = readFileSync('/proc/sys/net/ipv4/tcp_migrate_req', 'utf8').trim();
  const lab = await startLabCluster({
    hosts: ['127.0.10.41', '127.0.10.42', '127.0.10.43'],
    watchEventIntervalMs: 100,
  });
  const dir = await mkdtemp(join(tmpdir(), 'kubeha-restart-'));
  const procs: Proc[] = [];
  try {
    // A network namespace of its own: nothing else can hold these ports.
    const port = 6443;
    const admin = 8081;
    const file = join(dir, 'proxy.yaml');
    await writeFile(join(dir, 'ca.crt'), lab.ca.cert);
    await writeFile(
      file,
      `listen: ["127.0.0.1:${port}"]\nadmin: 127.0.0.1:${admin}\n` +
        `upstreams: [${lab.servers.map((s) => s.address).join(', ')}]\n` +
        `workers: ${WORKERS}\nshutdownTimeout: ${DRAIN_MS}ms\nlogLevel: info\n` +
        `healthCheck: {interval: 200ms, caFile: ${join(dir, 'ca.crt')}}\n`,
    );
    const via = { host: '127.0.0.1', port, ca: lab.ca.cert };
    const a = startProxy(file);
    procs.push(a);
    const ready = async () => {
      try {
        return (await fetch(`http://127.0.0.1:${admin}/readyz`)).status === 200;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && !(await ready()); i++) await new Promise((r) => setTimeout(r, 50));
    if (!(await ready())) throw new Error(`A never became ready:\n${a.out}`);
    const watch = await openWatch(via);

    // The client loop: a new connection every 10 ms, each one request, bounded.
    let requests = 0;
    const errors: string[] = [];
    const inFlight = new Set<Promise<void>>();
    let looping = true;
    const loop = (async () => {
      const end = Date.now() + 20_000;
      while (looping && Date.now() < end) {
        requests++;
        const p = httpsGet({ ...via, path: '/version', timeoutMs: 5000 }).then(
          (r) => {
            if (r.status !== 200) errors.push(`status ${r.status}`);
          },
          (err: NodeJS.ErrnoException) => void errors.push(err.code ?? err.message),
        );
        inFlight.add(p);
        void p.finally(() => inFlight.delete(p));
        await new Promise((r) => setTimeout(r, NEW_CONNECTION_EVERY_MS));
      }
    })();

    await new Promise((r) => setTimeout(r, 300));
    const b = startProxy(file);
    procs.push(b);
    if (!(await waitFor(() => /kubeha proxy serving/.test(b.out), 10_000)))
      throw new Error(`B never served:\n${b.out}`);
    await new Promise((r) => setTimeout(r, 500)); // B's checks settle; both serve

    const term = Date.now();
    const requestsAtTerm = requests;
    a.child.kill('SIGTERM');
    const watchClosedAt = await Promise.race([
      watch.closed,
      new Promise<number>((r) => setTimeout(() => r(NaN), DRAIN_MS + 5000)),
    ]);
    const reconnect = await openWatch(via).catch((err: Error) => {
      throw new Error(`reconnect failed: ${err.message}\nA:\n${a.out}\nB:\n${b.out}`);
    });
    const aCode = await Promise.race([
      a.exited,
      new Promise<null>((r) => setTimeout(() => r(null), DRAIN_MS + 10_000)),
    ]);
    const aExitedAt = Date.now();
    const requestsWhileStopping = requests - requestsAtTerm;
    await new Promise((r) => setTimeout(r, 500));
    looping = false;
    await loop;
    await Promise.all(inFlight);
    // A is gone: whatever still serves the reconnected watch is B; its /status counts it.
    const status = (await (await fetch(`http://127.0.0.1:${admin}/status`)).json()) as {
      connections: number;
    };
    const result: RestartResult = {
      requests,
      requestsWhileStopping,
      failed: errors.length,
      errors: [...new Set(errors)],
      watchClosedAfterMs: watchClosedAt - term,
      aExitedAfterMs: aExitedAt - term,
      aExitCode: aCode,
      reconnectOpen: reconnect.isOpen(),
      servedByB: status.connections,
      migrateReq,
    };
    reconnect.stop();
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exited));
    await lab.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`${err.stack}\n`);
      process.exit(1);
    },
  );
}
