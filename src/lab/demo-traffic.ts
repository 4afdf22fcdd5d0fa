/**
 * The demo's steady API traffic: a few clients, each on one kept-alive HTTPS
 * connection through the node-local proxy, each sending a GET every period, as
 * controllers on a worker do. A request that fails on a reused connection before
 * any response is sent once more on a new one: that is what Go's net/http
 * Transport (so client-go) does for idempotent requests
 * (persistConn.shouldRetryRequest), and it is why a connection the proxy closes
 * costs a client nothing. Every other error counts as a failed request.
 */
import { Agent, request } from 'node:https';
import type { KeyPairPem } from './pki.js';

export interface TrafficOptions {
  host: string;
  port: number;
  caCert: string;
  client: KeyPairPem;
  clients: number;
  periodMs: number;
  /** A request that takes longer fails (client-go sets none by default; the demo must end). */
  timeoutMs: number;
}

export interface RequestRecord {
  /** When it was sent (ms since the epoch). */
  at: number;
  latencyMs: number;
  ok: boolean;
  /** Which lab server answered (its address), when one did. */
  server?: string;
  /** Sent a second time on a new connection after its reused one broke. */
  retried: boolean;
  error?: string;
}

const PATHS = ['/version', '/api/v1/namespaces/default/endpoints/kubernetes'];

class RequestError extends Error {
  constructor(
    message: string,
    readonly reusedSocket: boolean,
    readonly answered: boolean,
  ) {
    super(message);
  }
}

export class Traffic {
  readonly records: RequestRecord[] = [];
  private running = false;
  private readonly agents: Agent[] = [];
  private loops: Promise<void>[] = [];
  /** Send times of the requests under way. */
  private readonly inflight = new Set<{ at: number }>();

  constructor(private readonly o: TrafficOptions) {}

  get clients(): number {
    return this.o.clients;
  }

  start(): void {
    this.running = true;
    for (let i = 0; i < this.o.clients; i++) {
      const agent = new Agent({
        keepAlive: true,
        maxSockets: 1,
        ca: this.o.caCert,
        cert: this.o.client.cert,
        key: this.o.client.key,
      });
      this.agents.push(agent);
      this.loops.push(this.loop(agent, i));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const a of this.agents) a.destroy();
    await Promise.all(this.loops);
    this.loops = [];
  }

  /** True when every request sent before `t` has its outcome recorded. */
  settledBefore(t: number): boolean {
    for (const r of this.inflight) if (r.at < t) return false;
    return true;
  }

  /** Answered requests per server over the last `ms`, and failures, for the live view. */
  recent(ms: number, now = Date.now()): { byServer: Map<string, number>; failed: number } {
    const byServer = new Map<string, number>();
    let failed = 0;
    for (let i = this.records.length - 1; i >= 0; i--) {
      const r = this.records[i]!;
      if (r.at < now - ms) break;
      if (!r.ok) failed++;
      else byServer.set(r.server ?? '', (byServer.get(r.server ?? '') ?? 0) + 1);
    }
    return { byServer, failed };
  }

  private async loop(agent: Agent, i: number): Promise<void> {
    // spread the clients over the period
    await sleep((this.o.periodMs * i) / this.o.clients);
    let n = i;
    while (this.running) {
      const started = { at: Date.now() };
      this.inflight.add(started);
      const rec = await this.send(agent, PATHS[n++ % PATHS.length]!);
      this.inflight.delete(started);
      if (!this.running) break; // cut off by stop(): not the proxy's doing
      this.records.push(rec);
      await sleep(Math.max(0, this.o.periodMs - (Date.now() - started.at)));
    }
  }

  private async send(agent: Agent, path: string): Promise<RequestRecord> {
    const at = Date.now();
    let retried = false;
    try {
      let server: string;
      try {
        server = await this.get(agent, path);
      } catch (err) {
        const e = err as RequestError;
        if (!e.reusedSocket || e.answered || !this.running) throw err;
        retried = true;
        server = await this.get(agent, path);
      }
      return { at, latencyMs: Date.now() - at, ok: true, server, retried };
    } catch (err) {
      return { at, latencyMs: Date.now() - at, ok: false, retried, error: (err as Error).message };
    }
  }

  private get(agent: Agent, path: string): Promise<string> {
    return new Promise((resolve, reject) => {
      let answered = false;
      const req = request(
        { host: this.o.host, port: this.o.port, path, agent, timeout: this.o.timeoutMs },
        (res) => {
          answered = true;
          res.resume();
          res.on('end', () => {
            const server = res.headers['x-kubeha-lab-server'];
            if (res.statusCode === 200) resolve(String(server ?? ''));
            else reject(new RequestError(`HTTP ${res.statusCode}`, req.reusedSocket, true));
          });
          res.on('error', (err) => reject(new RequestError(err.message, req.reusedSocket, true)));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer in ${this.o.timeoutMs} ms`)));
      req.on('error', (err) => reject(new RequestError(err.message, req.reusedSocket, answered)));
      req.end();
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
