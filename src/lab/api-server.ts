/**
 * A stand-in kube-apiserver for tests, benchmarks and demos: real TLS (HTTP/2 and
 * HTTP/1.1 on one port, as kube-apiserver serves), kube-apiserver's health
 * endpoints and watch streams, and switches to misbehave the ways a real API
 * server host does: refuse connections, hang (accept, never answer TLS), go
 * unready (/readyz 500 with failing checks), or die (every connection reset).
 */
import { createServer, type Server, type Socket } from 'node:net';
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { healthAnswer, status, versionInfo } from './api-responses.js';
import { discovery } from './discovery.js';
import { json, type ResourceApi } from './resource-api.js';
import type { WatchStream } from './watch-stream.js';
import type { KeyPairPem } from './pki.js';
import { formatHostPort } from '../shared/address.js';

export type LabMode = 'serving' | 'refusing' | 'hanging' | 'dead';

export interface LabServerOptions {
  host: string;
  /** 0 picks a free port (tests); the port is kept across refuse/resume. */
  port: number;
  /** Serving certificate and key, signed by `caCert`. */
  tls: KeyPairPem;
  caCert: string;
  name?: string;
  /** false mirrors `--anonymous-auth=false`: requests without a verified client cert get 401. */
  anonymousAuth?: boolean;
  /** The cluster's resources over its shared store (as every kube-apiserver reads one etcd). */
  api: ResourceApi;
  /** Called on every change of mode or failing checks (the cluster's objects follow them). */
  onChange?: (server: LabApiServer) => void;
}

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

export interface LabStats {
  mode: LabMode;
  openConnections: number;
  acceptedTotal: number;
  /** TLS handshakes completed (what a fresh connection per health check costs the server). */
  handshakesTotal: number;
  requestsTotal: number;
  openWatches: number;
}

export class LabApiServer {
  readonly host: string;
  port: number;
  private readonly fixedName?: string;
  private mode: LabMode = 'serving';
  private failing = new Set<string>();
  private readonly raw: Server;
  private readonly secure: Http2SecureServer;
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Set<Http2Session>();
  private readonly watches = new Set<WatchStream>();
  /** Requests that arrived while hanging: never answered. */
  private readonly unanswered = new Set<AnyResponse>();
  private listening = false;
  private acceptedTotal = 0;
  private handshakesTotal = 0;
  private requestsTotal = 0;

  constructor(private readonly opts: LabServerOptions) {
    this.host = opts.host;
    this.port = opts.port;
    this.fixedName = opts.name;
    this.secure = createSecureServer(
      {
        key: opts.tls.key,
        cert: opts.tls.cert,
        ca: opts.caCert,
        allowHTTP1: true,
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => this.handle(req, res),
    );
    this.secure.on('session', (s) => {
      this.sessions.add(s);
      s.on('close', () => this.sessions.delete(s));
    });
    this.secure.on('secureConnection', () => this.handshakesTotal++);
    this.secure.on('tlsClientError', () => {}); // clients going away mid-handshake is normal here
    // A plain TCP listener in front decides per connection whether TLS ever starts.
    this.raw = createServer((socket) => this.accept(socket));
  }

  /** The server's name in headers and watch events: its address unless named. */
  get name(): string {
    return this.fixedName ?? this.address;
  }

  get address(): string {
    return formatHostPort({ host: this.host, port: this.port });
  }

  get url(): string {
    return `https://${this.address}`;
  }

  async start(): Promise<void> {
    if (this.listening) return;
    await new Promise<void>((resolve, reject) => {
      this.raw.once('error', reject);
      this.raw.listen({ host: this.host, port: this.port }, () => {
        this.raw.off('error', reject);
        resolve();
      });
    });
    this.listening = true;
    const a = this.raw.address();
    if (a && typeof a === 'object') this.port = a.port;
  }

  stats(): LabStats {
    return {
      mode: this.mode,
      openConnections: this.sockets.size,
      acceptedTotal: this.acceptedTotal,
      handshakesTotal: this.handshakesTotal,
      requestsTotal: this.requestsTotal,
      openWatches: this.watches.size,
    };
  }

  /** Make /readyz (and /livez, /healthz for the checks they include) fail these checks. */
  setFailingChecks(checks: string[]): void {
    this.failing = new Set(checks);
    this.opts.onChange?.(this);
  }

  get failingChecks(): string[] {
    return [...this.failing];
  }

  /** An etcd outage as the API server reports it. */
  unready(checks: string[] = ['etcd']): void {
    this.setFailingChecks(checks);
  }

  ready(): void {
    this.setFailingChecks([]);
  }

  /** Stop listening: new connections are refused (RST), established ones go on. */
  async refuse(): Promise<void> {
    this.setMode('refusing');
    await this.stopListening();
  }

  /**
   * Go silent: new connections are accepted but TLS never starts, established
   * ones are no longer read and watch streams stop sending. (A host whose packets
   * are dropped looks the same to a client, except that connects also time out.)
   */
  hang(): void {
    this.setMode('hanging');
    for (const s of this.sockets) s.pause();
  }

  /** The process dies: listener closed and every connection reset. */
  async die(): Promise<void> {
    this.setMode('dead');
    this.endWatches();
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
    await this.stopListening();
  }

  /** Back to normal service (listening again on the same port if needed). */
  async resume(): Promise<void> {
    // What the silent host never answered stays unanswered: its clients gave up long ago.
    for (const res of this.unanswered) res.destroy();
    this.unanswered.clear();
    this.failing.clear();
    for (const s of this.sockets) s.resume();
    await this.start();
    this.setMode('serving');
    for (const w of this.watches) w.flush();
  }

  /** Shut down for good (the cluster removes its lease first: a graceful stop). */
  async close(): Promise<void> {
    this.mode = 'dead';
    this.endWatches();
    for (const s of this.sessions) s.destroy();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await this.stopListening();
  }

  /** Stops accepting at once; net.Server's close callback would wait for every connection. */
  private async stopListening(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.raw.close(() => resolve()));
    if (this.sockets.size === 0) await closed;
  }

  private setMode(mode: LabMode): void {
    this.mode = mode;
    this.opts.onChange?.(this);
  }

  private endWatches(): void {
    for (const w of [...this.watches]) w.destroy();
    this.watches.clear();
  }

  private accept(socket: Socket): void {
    this.acceptedTotal++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    if (this.mode === 'hanging') {
      socket.pause();
      return;
    }
    this.secure.emit('connection', socket);
  }

  private handle(req: AnyRequest, res: AnyResponse): void {
    this.requestsTotal++;
    // Pausing the raw socket does not stop TLS connections already set up (the TLS
    // layer reads the handle itself): their requests arrive, and are never answered.
    if (this.mode === 'hanging') {
      this.unanswered.add(res);
      res.on('close', () => this.unanswered.delete(res));
      return;
    }
    res.setHeader('x-kubeha-lab-server', this.name);
    res.setHeader('cache-control', 'no-cache, private');
    const url = new URL(req.url ?? '/', 'https://lab');
    const path = url.pathname;
    const authorized = (req.socket as TLSSocket).authorized === true;
    if (this.opts.anonymousAuth === false && !authorized) {
      return json(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    }
    if (path === '/livez' || path === '/readyz' || path === '/healthz') {
      const answer = healthAnswer(path.slice(1) as 'livez', this.failing, url.searchParams);
      writeHead(res, answer.status, {
        'content-type': 'text/plain; charset=utf-8',
        'x-content-type-options': 'nosniff',
      });
      res.end(answer.body);
      return;
    }
    if (path === '/version') return json(res, 200, versionInfo());
    const doc = discovery(path, req.headers.accept, this.address);
    if (doc) {
      writeHead(res, 200, { 'content-type': doc.contentType, vary: 'Accept' });
      res.end(JSON.stringify(doc.body));
      return;
    }
    const handled = this.opts.api.handle(req, res, url, {
      serverName: this.name,
      held: () => this.mode === 'hanging',
      watches: this.watches,
    });
    if (!handled) {
      json(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    }
  }
}

/** Both response kinds take (status, headers); @types/node 24 no longer unifies their overloads. */
function writeHead(res: AnyResponse, code: number, headers: Record<string, string>): void {
  (res as ServerResponse).writeHead(code, headers);
}
