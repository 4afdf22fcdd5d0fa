/**
 * The "kubelet" of the demo: a real @kubernetes/client-node Watch of the
 * `default/kubernetes` Endpoints through the node-local proxy, with the
 * kubelet's client certificate. When the stream ends it watches again after
 * 800 ms, the initial backoff of client-go's reflector
 * (k8s.io/client-go/tools/cache/reflector.go), without its jitter so that runs
 * compare. Each event names the lab server that sent it (the
 * `lab.kubeha.io/served-by` annotation), which is how the demo sees the watch move.
 *
 * client-node is loaded only here, when the demo starts: the proxy never loads it.
 */
import { KubehaError } from '../shared/errors.js';

export const REWATCH_DELAY_MS = 800;
const PATH = '/api/v1/namespaces/default/endpoints';

export interface WatchEvent {
  at: number;
  server: string;
}

export interface WatchEnd {
  at: number;
  /** Which server the stream was on when it ended. */
  server?: string;
  error?: string;
}

export type ClientNode = typeof import('@kubernetes/client-node');

/**
 * Loads client-node. Its first import compiles for a second or so on one
 * thread: done before the lab starts, or the lab's servers (same process)
 * would miss the proxy's health checks meanwhile.
 */
export async function loadClientNode(): Promise<ClientNode> {
  try {
    return await import('@kubernetes/client-node');
  } catch (err) {
    throw new KubehaError(
      'E_DEMO_DEPENDENCY',
      `the demo's kubelet watch needs @kubernetes/client-node: ${(err as Error).message}`,
      { hint: 'run the demo from a checkout after npm ci (npm start)' },
    );
  }
}

export class KubeletWatch {
  readonly events: WatchEvent[] = [];
  readonly ends: WatchEnd[] = [];
  private running = false;
  private abort?: AbortController;
  private retry?: NodeJS.Timeout;
  /** The undici agent of the current watch, to close its kept-alive connection on stop. */
  private dispatcher?: { destroy(): Promise<void> };

  /** `kubeconfig`: YAML with the kubelet's credentials and the proxy as server. */
  constructor(
    private readonly client: ClientNode,
    private readonly kubeconfig: string,
  ) {}

  /** The server of the latest event. */
  get server(): string | undefined {
    return this.events.at(-1)?.server;
  }

  start(): void {
    this.running = true;
    void this.open();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.retry);
    this.abort?.abort();
    this.dispatcher?.destroy().catch(() => {});
  }

  /**
   * client-node makes one undici agent per watch and keeps its connection alive
   * after the stream ends; it offers no way to close it. Catching the agent as it
   * is made lets stop() close it (the proxy then has nothing left to drain). When
   * a client-node release renames the method, the connection is merely left to time out.
   */
  private catchDispatcher(kc: object): void {
    const k = kc as { createDispatcher?: (...a: unknown[]) => unknown };
    const made = k.createDispatcher;
    if (typeof made !== 'function') return;
    k.createDispatcher = (...args: unknown[]) => {
      const d = made.apply(kc, args) as { destroy(): Promise<void> } | undefined;
      this.dispatcher?.destroy().catch(() => {});
      this.dispatcher = d;
      return d;
    };
  }

  private async open(): Promise<void> {
    const kc = new this.client.KubeConfig();
    kc.loadFromString(this.kubeconfig);
    this.catchDispatcher(kc);
    const watch = new this.client.Watch(kc);
    let server: string | undefined;
    let ended = false;
    const done = (err: unknown) => {
      if (ended) return;
      ended = true;
      if (!this.running) return;
      this.ends.push({
        at: Date.now(),
        server,
        error: err ? ((err as Error).message ?? String(err)) : undefined,
      });
      this.retry = setTimeout(() => void this.open(), REWATCH_DELAY_MS);
    };
    try {
      this.abort = await watch.watch(
        PATH,
        {},
        (_type, obj: { metadata?: { annotations?: Record<string, string> } }) => {
          server = obj.metadata?.annotations?.['lab.kubeha.io/served-by'] ?? 'unknown';
          this.events.push({ at: Date.now(), server });
        },
        done,
      );
      if (!this.running) this.abort.abort();
    } catch (err) {
      done(err);
    }
  }
}
