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
import {
  endpointsList,
  healthAnswer,
  kubernetesEndpoints,
  status,
  versionInfo,
  type EndpointAddress,
} from './api-responses.js';
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
  /** Period of MODIFIED events on watch streams (default 1000 ms). */
  watchEventIntervalMs?: number;
  /** false mirrors `--anonymous-auth=false`: requests without a verified client cert get 401. */
  anonymousAuth?: boolean;
  /** Addresses published in `default/kubernetes` (default: this server only). */
  endpoints?: () => EndpointAddress[];
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
  private readonly watches = new Set<{ res: AnyResponse; timer: NodeJS.Timeout }>();
  private listening = false;
  private resourceVersion = 1000;
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
    this.mode = 'refusing';
    await this.stopListening();
  }

  /**
   * Go silent: new connections are accepted but TLS never starts, established
   * ones are no longer read and watch streams stop sending. (A host whose packets
   * are dropped looks the same to a client, except that connects also time out.)
   */
  hang(): void {
    this.mode = 'hanging';
    for (const s of this.sockets) s.pause();
  }

  /** The process dies: listener closed and every connection reset. */
  async die(): Promise<void> {
    this.mode = 'dead';
    this.endWatches();
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
    await this.stopListening();
  }

  /** Back to normal service (listening again on the same port if needed). */
  async resume(): Promise<void> {
    this.mode = 'serving';
    this.failing.clear();
    for (const s of this.sockets) s.resume();
    await this.start();
  }

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

  private endWatches(): void {
    for (const w of this.watches) {
      clearInterval(w.timer);
      w.res.destroy();
    }
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
    // Pausing a raw socket does not stop the TLS layer reading from it, so a request on a
    // connection established before the hang (a keep-alive health check) still arrives
    // here: a silent host answers nothing.
    if (this.mode === 'hanging') return;
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
    if (path === '/api') {
      return json(res, 200, {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [],
      });
    }
    if (path === '/api/v1/namespaces/default/endpoints/kubernetes') {
      return json(res, 200, this.kubernetesEndpoints());
    }
    if (path === '/api/v1/namespaces/default/endpoints') {
      const watch = url.searchParams.get('watch');
      if (watch === '1' || watch === 'true') return this.watch(res, url.searchParams);
      return json(res, 200, endpointsList([this.kubernetesEndpoints()], this.resourceVersion));
    }
    json(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
  }

  private kubernetesEndpoints(): object {
    const addresses = this.opts.endpoints?.() ?? [{ ip: this.host, port: this.port }];
    return kubernetesEndpoints(addresses, this.resourceVersion, this.name);
  }

  /** A watch: one ADDED event, then a MODIFIED event every interval, as chunked JSON lines. */
  private watch(res: AnyResponse, query: URLSearchParams): void {
    // No content-length: HTTP/1.1 sends chunks, HTTP/2 DATA frames.
    writeHead(res, 200, { 'content-type': 'application/json' });
    const send = (type: string) =>
      (res as ServerResponse).write(
        `${JSON.stringify({ type, object: this.kubernetesEndpoints() })}\n`,
      );
    send('ADDED');
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 0);
    const deadline = timeoutSeconds > 0 ? Date.now() + timeoutSeconds * 1000 : Infinity;
    const entry = {
      res,
      timer: setInterval(() => {
        if (this.mode === 'hanging') return; // a silent host sends nothing
        if (Date.now() >= deadline) {
          finish();
          res.end();
          return;
        }
        this.resourceVersion++;
        send('MODIFIED');
      }, this.opts.watchEventIntervalMs ?? 1000),
    };
    const finish = () => {
      clearInterval(entry.timer);
      this.watches.delete(entry);
    };
    this.watches.add(entry);
    res.on('close', finish);
  }
}

/** Both response kinds take (status, headers); @types/node 24 no longer unifies their overloads. */
function writeHead(res: AnyResponse, code: number, headers: Record<string, string>): void {
  (res as ServerResponse).writeHead(code, headers);
}

function json(res: AnyResponse, code: number, body: object): void {
  writeHead(res, code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
