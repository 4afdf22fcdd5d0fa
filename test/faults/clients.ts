/**
 * Clients through the proxy for the fault suite and the soak: one-shot requests
 * (each a new TCP and TLS connection, as a kubelet's first request after a
 * reconnect is), loops of them, and a pool of watch streams that re-open when
 * closed, as client-go's reflectors do.
 */
import { httpsGet, openWatch, type WatchHandle } from '../lab/tls-client.js';
import { PROXY_PORT } from './harness.js';

export interface RequestResult {
  ok: boolean;
  servedBy?: string;
  error?: string;
  start: number;
  end: number;
}

export function via(ca: string) {
  return { host: '127.0.0.1', port: PROXY_PORT, ca, servername: 'kubernetes' };
}

/** One GET /version on a new connection. A failover costs up to connectTimeout per dead upstream. */
export async function oneRequest(ca: string, timeoutMs = 8000): Promise<RequestResult> {
  const start = Date.now();
  try {
    const r = await httpsGet({ ...via(ca), path: '/version', timeoutMs });
    const servedBy = String(r.headers['x-kubeha-lab-server']);
    if (r.status !== 200)
      return { ok: false, error: `status ${r.status}`, servedBy, start, end: Date.now() };
    return { ok: true, servedBy, start, end: Date.now() };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ok: false, error: e.code ?? e.message, start, end: Date.now() };
  }
}

/** `concurrency` loops of sequential requests, `pauseMs` apart, until stop(). */
export class RequestLoop {
  readonly results: RequestResult[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(ca: string, concurrency: number, pauseMs: number, maxMs: number) {
    const end = Date.now() + maxMs;
    this.loops = Array.from({ length: concurrency }, async () => {
      while (this.running && Date.now() < end) {
        this.results.push(await oneRequest(ca));
        await new Promise((r) => setTimeout(r, pauseMs));
      }
    });
  }

  async stop(): Promise<RequestResult[]> {
    this.running = false;
    await Promise.all(this.loops);
    return this.results;
  }
}

export interface WatchOpen {
  ok: boolean;
  error?: string;
  start: number;
  end: number;
}

/** `n` watch streams kept open: each one closed is re-opened after `backoffMs`. */
export class WatchPool {
  readonly open = new Set<WatchHandle>();
  readonly opens: WatchOpen[] = [];
  closes = 0;
  private running = true;
  private readonly slots: Promise<void>[] = [];
  private stopNow: () => void = () => {};
  private readonly stopped = new Promise<void>((r) => (this.stopNow = r));

  constructor(
    private readonly ca: string,
    n: number,
    private readonly backoffMs = 100,
    maxMs = 30 * 60_000,
  ) {
    const end = Date.now() + maxMs;
    for (let i = 0; i < n; i++) this.slots.push(this.slot(end));
  }

  private async slot(end: number): Promise<void> {
    while (this.running && Date.now() < end) {
      const at = Date.now();
      let w: WatchHandle;
      try {
        w = await openWatch({ ...via(this.ca), timeoutMs: 8000 });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        this.opens.push({ ok: false, error: e.code ?? e.message, start: at, end: Date.now() });
        await new Promise((r) => setTimeout(r, this.backoffMs));
        continue;
      }
      this.opens.push({ ok: true, start: at, end: Date.now() });
      this.open.add(w);
      await Promise.race([w.closed, this.stopped]);
      this.open.delete(w);
      if (!this.running) {
        w.stop();
        return;
      }
      this.closes++;
      await new Promise((r) => setTimeout(r, this.backoffMs));
    }
  }

  /** Open streams per server name. */
  spread(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const w of this.open) out[w.servedBy] = (out[w.servedBy] ?? 0) + 1;
    return out;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopNow();
    await Promise.all(this.slots);
  }
}

/** A moment or span during which connections on one upstream could fail through no fault of the proxy. */
export interface FaultWindow {
  upstream: string;
  from: number;
  to: number;
}

/**
 * Splits failed requests into those in flight during a fault window (they may have
 * been on the failing upstream as it failed: a proxy at L4 cannot save a connection
 * already spliced) and the rest, which are the proxy's to answer for.
 */
export function splitFailures<R extends { ok: boolean; start: number; end: number }>(
  results: R[],
  windows: FaultWindow[],
): { onFailing: R[]; unexplained: R[] } {
  const onFailing: R[] = [];
  const unexplained: R[] = [];
  for (const r of results) {
    if (r.ok) continue;
    const during = windows.some((w) => r.start <= w.to && r.end >= w.from);
    (during ? onFailing : unexplained).push(r);
  }
  return { onFailing, unexplained };
}
