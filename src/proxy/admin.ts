/**
 * The admin endpoint (default 127.0.0.1:8081; Kubespray's nginx-proxy serves
 * /healthz on all interfaces and answers 200 whatever the API servers do).
 * /livez: the process serves. /readyz and /healthz: 200 only while at least one
 * upstream is healthy, else 503 with the reasons. /metrics: Prometheus text.
 * /status: JSON of every upstream. /: the same as a page for people (status-page.ts).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Registry } from 'prom-client';
import type { HostPort } from '../shared/address.js';
import { listenWithRetry, type BindOptions } from './bind.js';
import type { StatusReport } from './daemon-report.js';

export interface AdminSources {
  ready(): { ok: boolean; detail: string };
  status(): StatusReport;
  registry: Registry;
}

export class AdminServer {
  readonly server: Server;

  constructor(
    readonly address: HostPort,
    src: AdminSources,
  ) {
    this.server = createServer((req, res) => {
      // Whatever arrives gets an answer: a handler that threw would take the proxy down.
      try {
        route(src, req.method, req.url, res);
      } catch (err) {
        if (!res.headersSent) text(res, 500, `${(err as Error).message}\n`);
        else res.destroy();
      }
    });
    // CONNECT and Upgrade requests bypass the handler: without these the socket is just dropped.
    const refuse = (_req: unknown, socket: Duplex) =>
      socket.end(
        'HTTP/1.1 405 Method Not Allowed\r\ncontent-type: text/plain\r\nconnection: close\r\ncontent-length: 19\r\n\r\nmethod not allowed\n',
      );
    this.server.on('connect', refuse);
    this.server.on('upgrade', refuse);
    // A scrape or probe that stalls must not pin a socket forever.
    this.server.requestTimeout = 10_000;
    this.server.keepAliveTimeout = 5_000;
  }

  listen(o: BindOptions): Promise<void> {
    return listenWithRetry(this.server, this.address, o);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function route(
  src: AdminSources,
  method: string | undefined,
  url: string | undefined,
  res: ServerResponse,
): void {
  if (method !== 'GET' && method !== 'HEAD') return text(res, 405, 'method not allowed\n');
  let parsed: URL;
  try {
    parsed = new URL(url ?? '/', 'http://admin');
  } catch {
    return text(res, 400, 'bad request target\n'); // e.g. "//[": an authority that is no host
  }
  const path = parsed.pathname;
  switch (path) {
    case '/livez':
      return text(res, 200, 'ok\n');
    case '/readyz':
    case '/healthz': {
      const r = src.ready();
      return text(res, r.ok ? 200 : 503, `${r.detail}\n`);
    }
    case '/metrics':
      src.registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': src.registry.contentType });
          res.end(body);
        },
        (err: Error) => text(res, 500, `${err.message}\n`),
      );
      return;
    case '/status':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(src.status(), null, 2)}\n`);
      return;
    case '/':
      statusPage(res, src.status(), parsed.searchParams.get('part') === 'main').catch(
        (err: Error) => text(res, 500, `${err.message}\n`),
      );
      return;
    default:
      return text(res, 404, 'not found: try / /livez /readyz /healthz /metrics /status\n');
  }
}

/** The page's module loads on the first request: an idle proxy never holds it. */
async function statusPage(res: ServerResponse, status: StatusReport, part: boolean): Promise<void> {
  const page = await import('./status-page.js');
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // Nothing from elsewhere: inline style and script only, no framing.
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
  });
  res.end(part ? page.renderStatusMain(status) : page.renderStatusPage(status));
}

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}
