/**
 * Everything `kubeha demo` starts, and its stopping: the lab's three API servers
 * (k8s-node1..3 on 127.0.10.11-13, one generated CA), k8s-node4's kubeha proxy
 * as a child process with the planned proxy.yaml moved onto loopback, the
 * kubelet's watch, steady traffic and the observer of the proxy. A part that
 * ends on its own (the proxy process) aborts the session with the reason;
 * `stop()` stops every part that was started, whatever happened before.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAB_HOSTS, labKubeconfig, startLabCluster, type LabCluster } from './cluster.js';
import { loopbackProxyConfig, planDemo, type DemoPlan } from './demo-plan.js';
import { ProxyProcess } from './demo-proxy-process.js';
import { ProxyObserver, type KubehaAction } from './demo-observer.js';
import { Traffic } from './demo-traffic.js';
import { KubeletWatch, loadClientNode } from './demo-watch.js';
import { writeFileAtomic } from '../shared/atomic-write.js';
import { freePort } from '../shared/free-port.js';
import { KubehaError } from '../shared/errors.js';

export interface SessionOptions {
  /** Aborted by the caller (Ctrl-C). */
  signal: AbortSignal;
  /** Called for each thing kubeha did, as it happens. */
  onAction?: (a: KubehaAction) => void;
  clients?: number;
  periodMs?: number;
  /** Period of watch events from the lab (default 250 ms). */
  watchEventIntervalMs?: number;
}

export interface DemoNode {
  node: string;
  planned: string;
  /** The lab server standing in for it. */
  address: string;
}

export class DemoSession {
  plan!: DemoPlan;
  lab?: LabCluster;
  proxy?: ProxyProcess;
  observer?: ProxyObserver;
  traffic?: Traffic;
  watch?: KubeletWatch;
  nodes: DemoNode[] = [];
  dir = '';
  listen = '';
  admin = '';
  /** A kubeconfig with the admin's certificate and the proxy as server, for kubectl. */
  kubeconfigFile = '';
  /** Aborted by the caller or when a part ends on its own. */
  readonly signal: AbortSignal;
  private readonly failed = new AbortController();
  private stopped?: Promise<void>;

  constructor(private readonly o: SessionOptions) {
    this.signal = AbortSignal.any([o.signal, this.failed.signal]);
  }

  /** The node name for a lab server address (or the address itself). */
  nodeOf(address: string | undefined): string {
    return this.nodes.find((n) => n.address === address)?.node ?? address ?? '?';
  }

  /** The proxy's words with each lab server's address replaced by its node's name. */
  named(text: string): string {
    let out = text;
    for (const n of this.nodes) out = out.replaceAll(n.address, n.node);
    return out;
  }

  get statusUrl(): string {
    return `http://${this.admin}/`;
  }

  /** Plans the example, starts the lab and the proxy, waits until all three upstreams are healthy. */
  async start(): Promise<void> {
    this.plan = await planDemo();
    const clientNode = await loadClientNode();
    this.dir = await mkdtemp(join(tmpdir(), 'kubeha-demo-'));
    this.lab = await startLabCluster({
      hosts: LAB_HOSTS.slice(0, this.plan.upstreams.length),
      port: 0,
      watchEventIntervalMs: this.o.watchEventIntervalMs ?? 250,
    });
    const lab = this.lab;
    this.nodes = this.plan.upstreams.map((u, i) => ({ ...u, address: lab.servers[i]!.address }));
    this.listen = `127.0.0.1:${await freePort('127.0.0.1')}`;
    this.admin = `127.0.0.1:${await freePort('127.0.0.1')}`;
    const caFile = join(this.dir, 'ca.crt');
    const clientPem = join(this.dir, 'kubelet-client-current.pem');
    await writeFileAtomic(caFile, lab.ca.cert);
    await writeFileAtomic(clientPem, lab.kubeletClient.cert + lab.kubeletClient.key, {
      mode: 0o600,
    });
    this.kubeconfigFile = join(this.dir, 'kubeconfig');
    await writeFileAtomic(
      this.kubeconfigFile,
      labKubeconfig(`https://${this.listen}`, lab.ca.cert, lab.adminClient),
      { mode: 0o600 },
    );
    const configFile = join(this.dir, 'proxy.yaml');
    await writeFile(
      configFile,
      loopbackProxyConfig(this.plan.renderedConfig, {
        listen: this.listen,
        admin: this.admin,
        upstreams: this.nodes.map((n) => n.address),
        caFile,
        clientPem,
      }),
    );
    this.observer = new ProxyObserver(this.admin);
    const observer = this.observer;
    this.proxy = new ProxyProcess(configFile, {
      log: (line) => {
        const before = observer.actions.length;
        observer.onLog(line);
        if (observer.actions.length > before) this.o.onAction?.(observer.actions.at(-1)!);
      },
      exited: (why) =>
        this.failed.abort(new KubehaError('E_DEMO_PART_EXITED', why, { exitCode: 1 })),
    });
    await Promise.race([this.proxy.serving, aborted(this.signal)]);
    observer.start();
    await this.until(
      () => observer.latest?.upstreams.every((u) => u.health === 'healthy') === true,
      10_000,
      'the proxy did not find its three API servers healthy',
    );
    // The watch first: with no connection yet, least_conn gives it k8s-node1.
    this.watch = new KubeletWatch(
      clientNode,
      labKubeconfig(`https://${this.listen}`, lab.ca.cert, lab.kubeletClient),
    );
    this.watch.start();
    const watch = this.watch;
    await this.until(() => watch.server !== undefined, 10_000, 'the watch got no event');
    this.traffic = new Traffic({
      host: '127.0.0.1',
      port: Number(this.listen.split(':')[1]),
      caCert: lab.ca.cert,
      client: lab.kubeletClient,
      clients: this.o.clients ?? 6,
      periodMs: this.o.periodMs ?? 100,
      timeoutMs: 15_000,
    });
    this.traffic.start();
  }

  /** Polls `cond` every 50 ms; throws `why` after `ms`, or the abort reason. */
  async until(cond: () => boolean, ms: number, why?: string): Promise<boolean> {
    const end = Date.now() + ms;
    while (!cond()) {
      this.signal.throwIfAborted();
      if (Date.now() >= end) {
        if (why) throw new KubehaError('E_DEMO_STUCK', `${why} within ${ms / 1000} s`);
        return false;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }

  /** Waits `ms` unless the session is aborted first. */
  async hold(ms: number): Promise<void> {
    await Promise.race([new Promise((r) => setTimeout(r, ms)), aborted(this.signal)]);
  }

  /** Stops the clients (which would otherwise count their own cut-off as failures). */
  async stopClients(): Promise<void> {
    this.watch?.stop();
    await this.traffic?.stop();
  }

  /** Stops every part that was started. Safe to call more than once. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      await this.stopClients();
      this.observer?.stop();
      await this.proxy?.stop();
      await this.lab?.close();
      if (this.dir) await rm(this.dir, { recursive: true, force: true });
    })();
    return this.stopped;
  }

  /** For a process 'exit' handler: the proxy process must not outlive the demo. */
  killNow(): void {
    this.proxy?.killNow();
  }
}

/** A promise that rejects with the signal's reason once it is aborted. */
function aborted(signal: AbortSignal): Promise<never> {
  const p = new Promise<never>((_, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
  p.catch(() => {}); // a race that settled first leaves no one to hear it
  return p;
}
