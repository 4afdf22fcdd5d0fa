/** Small real-TLS clients the lab and proxy tests share (HTTP/1.1 over node:https). */
import { request } from 'node:https';
import { connect as h2connect } from 'node:http2';
import type { IncomingHttpHeaders } from 'node:http';

export interface GetOptions {
  host: string;
  port: number;
  path: string;
  ca: string;
  servername?: string;
  cert?: string;
  key?: string;
  timeoutMs?: number;
  method?: string;
}

export interface GetResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function httpsGet(o: GetOptions): Promise<GetResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: o.host,
        port: o.port,
        path: o.path,
        method: o.method ?? 'GET',
        ca: o.ca,
        cert: o.cert,
        key: o.key,
        servername: o.servername ?? 'localhost',
        agent: false,
        timeout: o.timeoutMs ?? 3000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export interface WatchEvent {
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  object: any;
}

export interface WatchHandle {
  servedBy: string;
  status: number;
  events: WatchEvent[];
  /** Resolves when the stream ends or breaks, with the time it did. */
  closed: Promise<number>;
  isOpen(): boolean;
  stop(): void;
}

/** Opens a watch (by default `/api/v1/namespaces/default/endpoints?watch=1`) and collects its events. */
export function openWatch(o: Omit<GetOptions, 'path'> & { path?: string }): Promise<WatchHandle> {
  return new Promise((resolve, reject) => {
    let open = true;
    let markClosed: (t: number) => void = () => {};
    const closed = new Promise<number>((r) => (markClosed = r));
    const done = () => {
      if (!open) return;
      open = false;
      markClosed(Date.now());
    };
    const req = request(
      {
        host: o.host,
        port: o.port,
        path: o.path ?? '/api/v1/namespaces/default/endpoints?watch=1',
        ca: o.ca,
        cert: o.cert,
        key: o.key,
        servername: o.servername ?? 'localhost',
        agent: false,
        timeout: o.timeoutMs ?? 3000,
      },
      (res) => {
        req.setTimeout(0);
        const events: WatchEvent[] = [];
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          buf += c;
          let i;
          while ((i = buf.indexOf('\n')) >= 0) {
            events.push(JSON.parse(buf.slice(0, i)) as WatchEvent);
            buf = buf.slice(i + 1);
          }
        });
        res.on('end', done);
        res.on('close', done);
        res.on('error', done);
        resolve({
          servedBy: String(res.headers['x-kubeha-lab-server']),
          status: res.statusCode ?? 0,
          events,
          closed,
          isOpen: () => open,
          stop: () => req.destroy(),
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => {
      done();
      reject(err);
    });
    req.on('close', done);
    req.end();
  });
}

/** Polls `cond` every 20 ms until it holds or `ms` pass; returns whether it held. */
export async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

/** GET over HTTP/2 (ALPN h2), as kubelet and client-go talk; returns the body and the negotiated protocol. */
export async function h2Get(
  url: string,
  path: string,
  ca: string,
): Promise<{ body: string; alpn: string | false | undefined }> {
  const session = h2connect(url, { ca });
  try {
    const body = await new Promise<string>((resolve, reject) => {
      const req = session.request({ ':path': path });
      let b = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (b += c));
      req.on('end', () => resolve(b));
      req.on('error', reject);
    });
    return { body, alpn: session.alpnProtocol };
  } finally {
    session.close();
  }
}
