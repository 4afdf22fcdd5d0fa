/**
 * What a fault scenario runs with, inside the worker namespace: the three control
 * planes (cp-agent.ts, one per namespace, started through `ip netns exec`), a real
 * `kubeha proxy` process, the network faults (nftables in a control plane's
 * namespace, neighbour entries in the worker's) and clients through the proxy.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createCa, issueCertificate, type CertificateAuthority } from '../../src/lab/pki.js';
import type { LabStats } from '../../src/lab/api-server.js';
import { API_PORT, cpAddress } from './topology.js';

const AGENT = new URL('./cp-agent.js', import.meta.url).pathname;
const BIN = new URL('../../../bin/kubeha', import.meta.url).pathname;
export const PROXY_PORT = 6443;
export const ADMIN_PORT = 8081;

/** One control plane's agent; `send` answers with the lab server's stats. */
export class ControlPlane {
  private child?: ChildProcess;
  private answers: ((s: LabStats) => void)[] = [];

  constructor(
    readonly n: number,
    readonly namespace: string,
    private readonly tlsFile: string,
  ) {}

  get address(): string {
    return `${cpAddress(this.n)}:${API_PORT}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null;
  }

  async start(): Promise<void> {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        this.namespace,
        process.execPath,
        AGENT,
        '--host',
        cpAddress(this.n),
        '--tls',
        this.tlsFile,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    this.child = child;
    const lines = createInterface({ input: child.stdout! });
    const started = new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`cp${this.n} agent exited (${code})`)));
      lines.once('line', () => resolve());
    });
    await started;
    lines.on('line', (l) => this.answers.shift()?.(JSON.parse(l) as LabStats));
  }

  /** unready, ready, hang, die, refuse, resume, stats. */
  send(cmd: string): Promise<LabStats> {
    if (!this.running) return Promise.reject(new Error(`cp${this.n} is not running`));
    return new Promise((resolve) => {
      this.answers.push(resolve);
      this.child!.stdin!.write(`${cmd}\n`);
    });
  }

  /** The API server's process dies: the kernel resets its connections and refuses new ones. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
    this.answers = [];
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.stdin!.end();
    const t = setTimeout(() => c.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  }

  /** Runs nft in this control plane's namespace. */
  nft(script: string): void {
    execFileSync('ip', ['netns', 'exec', this.namespace, 'nft', '-f', '-'], {
      input: script,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
  }

  /** Every packet in and out of the host dropped: no RST, no ICMP. */
  partition(): void {
    this.nft(
      [
        'add table inet khf',
        'flush table inet khf',
        'add chain inet khf in { type filter hook input priority 0; policy accept; }',
        'add chain inet khf out { type filter hook output priority 0; policy accept; }',
        'add rule inet khf in iifname "eth0" drop',
        'add rule inet khf out oifname "eth0" drop',
        '',
      ].join('\n'),
    );
  }

  /** Established API connections answered with a TCP reset (as a firewall or a NAT losing state does). */
  resetEstablished(): void {
    this.nft(
      [
        'add table inet khf',
        'flush table inet khf',
        'add chain inet khf in { type filter hook input priority 0; policy accept; }',
        `add rule inet khf in iifname "eth0" tcp dport ${API_PORT} ct state established reject with tcp reset`,
        '',
      ].join('\n'),
    );
  }

  heal(): void {
    this.nft('add table inet khf\ndelete table inet khf\n');
  }
}

/**
 * A silent host seen from the worker: its address resolves to a MAC nobody has, so
 * frames leave and nothing, not even a reset or an ICMP error, comes back.
 */
export function silence(cp: ControlPlane): void {
  execFileSync('ip', [
    'neigh',
    'replace',
    cpAddress(cp.n),
    'lladdr',
    '02:00:00:00:0b:ad',
    'dev',
    `cp${cp.n}`,
    'nud',
    'permanent',
  ]);
}

export function unsilence(cp: ControlPlane): void {
  execFileSync('ip', ['neigh', 'del', cpAddress(cp.n), 'dev', `cp${cp.n}`]);
}

/** One `upstream A healthy -> unhealthy: reason` log line of the proxy (pino's `time`: epoch ms). */
export interface Transition {
  upstream: string;
  from: string;
  to: string;
  reason: string;
  time: number;
}

export interface ProxyProcess {
  child: ChildProcess;
  logs: Record<string, unknown>[];
  stop(): Promise<number | null>;
}

/** What a scenario needs: the CA, the agents, a temp dir; `close` undoes all of it. */
export class FaultRig {
  readonly ca: CertificateAuthority = createCa('kubeha-faults-ca');
  cps: ControlPlane[] = [];
  proxy?: ProxyProcess;
  private dir = '';

  static async start(cpNamespaces: string[]): Promise<FaultRig> {
    const rig = new FaultRig();
    rig.dir = await mkdtemp(join(tmpdir(), 'kubeha-faults-'));
    await writeFile(join(rig.dir, 'ca.crt'), rig.ca.cert);
    rig.cps = await Promise.all(
      cpNamespaces.map(async (ns, i) => {
        const n = i + 1;
        const tls = issueCertificate(rig.ca, {
          commonName: 'kube-apiserver',
          altNames: [cpAddress(n), 'kubernetes', 'kubernetes.default', 'localhost'],
          usage: 'server',
        });
        const file = join(rig.dir, `cp${n}.json`);
        await writeFile(file, JSON.stringify({ ...tls, ca: rig.ca.cert }), { mode: 0o600 });
        const cp = new ControlPlane(n, ns, file);
        await cp.start();
        return cp;
      }),
    );
    return rig;
  }

  get caFile(): string {
    return join(this.dir, 'ca.crt');
  }

  /** Starts `kubeha proxy` with `config` (YAML lines) and waits until it is ready. */
  async startProxy(config: string, preload?: string): Promise<ProxyProcess> {
    const file = join(this.dir, 'proxy.yaml');
    await writeFile(file, config);
    const args = [...(preload ? ['--import', preload] : []), BIN, 'proxy', '--config', file];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const logs: Record<string, unknown>[] = [];
    createInterface({ input: child.stdout! }).on('line', (l) => {
      try {
        logs.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        logs.push({ msg: l });
      }
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    this.proxy = {
      child,
      logs,
      stop: async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        return exited;
      },
    };
    let ready = false;
    const end = Date.now() + 20_000;
    while (!ready && Date.now() < end && child.exitCode === null) {
      ready = (await admin('/readyz').catch(() => undefined))?.status === 200;
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    if (!ready)
      throw new Error(`the proxy never became ready:\n${logs.map((l) => l.msg).join('\n')}`);
    return this.proxy;
  }

  /** The proxy's health transitions so far, in order, after each upstream's first check. */
  transitions(): Transition[] {
    const out: Transition[] = [];
    for (const l of this.proxy?.logs ?? []) {
      const { upstream, from, to, reason, time } = l;
      if (typeof from !== 'string' || typeof to !== 'string' || from === 'unknown') continue;
      // pino's time: epoch ms, or an ISO string with the text/ISO timestamp option.
      const at = typeof time === 'number' ? time : Date.parse(String(time));
      out.push({ upstream: String(upstream), from, to, reason: String(reason), time: at });
    }
    return out;
  }

  async close(): Promise<void> {
    await this.proxy?.stop();
    for (const cp of this.cps) {
      if (cp.running) cp.heal();
      await cp.stop();
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

export async function admin(path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${ADMIN_PORT}${path}`, {
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, body: await res.text() };
}

export interface UpstreamStatus {
  address: string;
  health: string;
  activeConnections: number;
  totalConnections: number;
  connectFailures: number;
  closedUnhealthy: number;
  lastCheck?: { ok: boolean; latencyMs: number; reason: string };
}

export interface ProxyStatus {
  panic: boolean;
  ready: boolean;
  connections: number;
  connectRetries: number;
  failedConnections: number;
  upstreams: UpstreamStatus[];
}

export async function status(): Promise<ProxyStatus> {
  return JSON.parse((await admin('/status')).body) as ProxyStatus;
}

/** Polls /status every 100 ms until `cond` holds or `ms` pass. */
export async function waitStatus(
  cond: (s: ProxyStatus) => boolean,
  ms: number,
): Promise<{ held: boolean; status: ProxyStatus; afterMs: number }> {
  const t0 = Date.now();
  let last = await status();
  while (!cond(last) && Date.now() - t0 < ms) {
    await new Promise((r) => setTimeout(r, 100));
    last = await status().catch(() => last);
  }
  return { held: cond(last), status: last, afterMs: Date.now() - t0 };
}

/** A healthy-and-nothing-else condition for every upstream. */
export const allHealthy = (s: ProxyStatus) => s.upstreams.every((u) => u.health === 'healthy');
