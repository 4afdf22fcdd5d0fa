/**
 * Following `default/kubernetes` for as long as the proxy runs, in the richest
 * way the API and the credentials allow:
 * 1. list+watch its EndpointSlices (discovery.k8s.io/v1, label
 *    kubernetes.io/service-name=kubernetes);
 * 2. where that API is not served (404) or not allowed (403), list+watch the
 *    Endpoints object;
 * 3. where that is not allowed either (403: the node authorizer grants a kubelet
 *    `get endpoints` and nothing else here, see docs/deploy.md), get the Endpoints
 *    object every `discovery.interval`.
 * A fallback is tried again from the top every REPROBE_MS, so RBAC granted later
 * takes effect without a restart. Errors back off exponentially up to
 * `discovery.interval`.
 */
import {
  addressesOf,
  applyWatchEvent,
  ENDPOINTS_LIST_PATH,
  ENDPOINTS_PATH,
  ENDPOINTS_QUERY,
  readList,
  SLICES_PATH,
  SLICES_QUERY,
} from './discovery.js';
import { getJson, HttpError, streamWatch } from './kube-watch.js';
import type { ApiTarget } from './kube-credentials.js';

export type WatchMode = 'slices' | 'endpoints' | 'get';

export const REPROBE_MS = 10 * 60_000;
const REQUEST_TIMEOUT_MS = 10_000;
const FIRST_BACKOFF_MS = 500;

export interface WatchDeps {
  target(): Promise<ApiTarget>;
  /** the longest backoff and the poll period of `get` mode */
  intervalMs(): number;
  /** the objects changed: the addresses they list now */
  snapshot(addresses: string[], mode: WatchMode): void;
  /** a request failed (the same message may repeat) */
  failed(message: string, mode: WatchMode): void;
  /** the mode changed, and why */
  modeChanged(mode: WatchMode, why: string): void;
  /** server-side watch timeout; client-go picks 5–10 min */
  watchTimeoutSeconds?: () => number;
}

const KIND: Record<Exclude<WatchMode, 'get'>, { path: string; query: string; item: string }> = {
  slices: { path: SLICES_PATH, query: SLICES_QUERY, item: 'EndpointSlice' },
  endpoints: { path: ENDPOINTS_LIST_PATH, query: ENDPOINTS_QUERY, item: 'Endpoints' },
};

export class ServiceWatch {
  mode: WatchMode = 'slices';
  private fellBackAt = 0;
  private failures = 0;
  private readonly abort = new AbortController();
  private running?: Promise<void>;

  constructor(private readonly deps: WatchDeps) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private setMode(mode: WatchMode, why: string): void {
    if (mode === this.mode) return;
    this.mode = mode;
    if (mode !== 'slices') this.fellBackAt = Date.now();
    this.deps.modeChanged(mode, why);
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if (this.mode !== 'slices' && Date.now() - this.fellBackAt >= REPROBE_MS)
        this.setMode('slices', 'trying EndpointSlices again');
      try {
        const t = await this.deps.target();
        if (this.mode === 'get') await this.poll(t);
        else await this.listWatch(t, this.mode);
      } catch (err) {
        if (this.stopped) return;
        if (!this.fallBack(err)) {
          this.deps.failed((err as Error).message, this.mode);
          await this.sleep(this.backoff());
        }
      }
    }
  }

  /** 404/403 on a list: the next mode, at once. */
  private fallBack(err: unknown): boolean {
    if (!(err instanceof HttpError)) return false;
    if (this.mode === 'slices' && (err.status === 404 || err.status === 403)) {
      this.setMode('endpoints', `${err.message}: following the Endpoints object instead`);
      return true;
    }
    if (this.mode === 'endpoints' && err.status === 403) {
      this.setMode('get', `${err.message}: reading the Endpoints object every interval instead`);
      return true;
    }
    return false;
  }

  private backoff(): number {
    const base = Math.min(this.deps.intervalMs(), FIRST_BACKOFF_MS * 2 ** this.failures++);
    return Math.round(base * (1 + Math.random() * 0.2));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.abort.signal.addEventListener('abort', done, { once: true });
    });
  }

  private async poll(t: ApiTarget): Promise<void> {
    const obj = await getJson(t, ENDPOINTS_PATH, this.abort.signal, REQUEST_TIMEOUT_MS);
    this.failures = 0;
    this.deps.snapshot(addressesOf([obj]), 'get');
    await this.sleep(this.deps.intervalMs());
  }

  private async listWatch(t: ApiTarget, mode: 'slices' | 'endpoints'): Promise<void> {
    const k = KIND[mode];
    const body = await getJson(t, `${k.path}?${k.query}`, this.abort.signal, REQUEST_TIMEOUT_MS);
    const { objects, resourceVersion } = readList(body, k.item);
    this.failures = 0;
    this.deps.snapshot(addressesOf(objects.values()), mode);
    let rv = resourceVersion;
    // Watch, resuming from the last resourceVersion each time the server ends the stream.
    while (!this.stopped && this.mode === mode) {
      const timeout = this.deps.watchTimeoutSeconds?.() ?? 300 + Math.floor(Math.random() * 300);
      const path =
        `${k.path}?${k.query}&watch=1&allowWatchBookmarks=true` +
        `&resourceVersion=${encodeURIComponent(rv)}&timeoutSeconds=${timeout}`;
      let expired = false;
      let failure: string | undefined;
      try {
        await streamWatch(
          t,
          path,
          this.abort.signal,
          REQUEST_TIMEOUT_MS,
          (timeout + 30) * 1000,
          (event) => {
            const step = applyWatchEvent(objects, event);
            if (step.kind === 'expired') return (expired = true);
            if (step.kind === 'error') {
              failure = step.message;
              return true;
            }
            if (step.resourceVersion) rv = step.resourceVersion;
            if (step.kind === 'changed') this.deps.snapshot(addressesOf(objects.values()), mode);
          },
        );
      } catch (err) {
        // 410 on the watch request itself: the resourceVersion is too old, list again.
        if (err instanceof HttpError && err.status === 410) return;
        throw err;
      }
      if (expired) return; // list again, at once
      if (failure !== undefined) throw new Error(failure);
    }
  }
}
