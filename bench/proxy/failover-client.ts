/**
 * The clients of the failover scenarios, as a node's kubelet uses the API server
 * through its local proxy: a steady loop of short requests (a new TLS connection
 * each, so every request is a fresh pick by the balancer) and long-lived watch
 * streams. The lab servers name themselves in `x-kubeha-lab-server`, which tells
 * which upstream a request or stream reached.
 */
import { request } from 'node:https';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { HostPort } from '../../src/shared/address.js';

export interface TlsClient {
  ca: string;
  cert: string;
  key: string;
}

export interface RequestRecord {
  /** ms since the scenario's event (negative before it). */
  startMs: number;
  durationMs: number;
  ok: boolean;
  server?: string;
  error?: string;
}

/** A request still unanswered after this counts as failed (slow ones, > SLOW_MS, are reported apart). */
const REQUEST_TIMEOUT_MS = 3000;
export const SLOW_MS = 1000;

/** GET path with a deadline; resolves, never rejects. */
export function timedGet(
  target: HostPort,
  path: string,
  tls: TlsClient,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<{ ok: boolean; status?: number; server?: string; error?: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: { ok: boolean; status?: number; server?: string; error?: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ...r, ms: performance.now() - t0 });
    };
    const req: ClientRequest = request(
      { host: target.host, port: target.port, path, agent: false, ...tls },
      (res: IncomingMessage) => {
        res.resume();
        res.once('end', () =>
          finish({
            ok: res.statusCode === 200,
            status: res.statusCode,
            server: header(res),
          }),
        );
        res.once('error', (e) => finish({ ok: false, error: e.message }));
      },
    );
    const timer = setTimeout(() => finish({ ok: false, error: 'timeout' }), timeoutMs);
    req.once('error', (e: Error) =>
      finish({ ok: false, error: (e as NodeJS.ErrnoException).code ?? e.message }),
    );
    req.end();
  });
}

function header(res: IncomingMessage): string | undefined {
  const v = res.headers['x-kubeha-lab-server'];
  return Array.isArray(v) ? v[0] : v;
}

/** Starts one request every intervalMs (not waiting for the previous one), like a steady client. */
export class RequestLoop {
  readonly records: RequestRecord[] = [];
  private timer?: NodeJS.Timeout;
  private inflight = new Set<Promise<void>>();
  /** Set when the failure is injected; records before it get negative start times. */
  eventAt = performance.now() + 1e9;

  constructor(
    private readonly target: HostPort,
    private readonly tls: TlsClient,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.fire(), this.intervalMs);
  }

  private fire(): void {
    const startMs = performance.now() - this.eventAt;
    const p = timedGet(this.target, '/version', this.tls).then((r) => {
      this.records.push({
        startMs,
        durationMs: r.ms,
        ok: r.ok,
        server: r.server,
        error: r.error ?? (r.ok ? undefined : `status ${r.status}`),
      });
    });
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
  }

  /** Stops firing and waits (bounded by the request timeout) for the stragglers. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.inflight);
  }
}

export interface WatchStream {
  server?: string;
  openedMs: number;
  /** ms since the event when the proxy (or server) ended the stream. */
  closedMs?: number;
  events: number;
  close(): void;
}

/** Opens a watch (chunked JSON lines) and resolves once its headers arrived. */
export function openWatch(
  target: HostPort,
  tls: TlsClient,
  eventAt: () => number,
): Promise<WatchStream | undefined> {
  return new Promise((resolve) => {
    const stream: WatchStream = {
      openedMs: performance.now() - eventAt(),
      events: 0,
      close: () => req.destroy(),
    };
    const markClosed = () => {
      if (stream.closedMs === undefined) stream.closedMs = performance.now() - eventAt();
    };
    const timer = setTimeout(() => {
      req.destroy();
      resolve(undefined);
    }, REQUEST_TIMEOUT_MS);
    const req = request(
      {
        host: target.host,
        port: target.port,
        path: '/api/v1/namespaces/default/endpoints?watch=1',
        agent: false,
        ...tls,
      },
      (res) => {
        clearTimeout(timer);
        if (res.statusCode !== 200) {
          res.resume();
          req.destroy();
          return resolve(undefined);
        }
        stream.server = header(res);
        res.on('data', () => stream.events++);
        res.once('end', markClosed);
        res.once('close', markClosed);
        res.once('error', markClosed);
        resolve(stream);
      },
    );
    req.once('error', () => {
      clearTimeout(timer);
      markClosed();
      resolve(undefined);
    });
    req.end();
  });
}
