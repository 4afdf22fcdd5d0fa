/**
 * One HTTP(S) GET with a deadline, for probes of API servers and health listeners.
 * Never throws: a refused, reset, hung or TLS-rejected connection is an answer
 * with `error`, which the verdicts name.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { isIP } from 'node:net';

export interface ProbeResult {
  status?: number;
  body?: string;
  error?: string;
  ms: number;
}

export interface ProbeTls {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** false only when the kubeconfig says insecure-skip-tls-verify or no CA is known. */
  rejectUnauthorized?: boolean;
  headers?: Record<string, string>;
  servername?: string;
}

export function probe(url: string, tls: ProbeTls, timeoutMs: number): Promise<ProbeResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      resolve({ error: `not a URL: ${url}`, ms: 0 });
      return;
    }
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    const opts: RequestOptions = {
      host,
      port: u.port || (u.protocol === 'https:' ? 443 : 80),
      path: `${u.pathname}${u.search}`,
      method: 'GET',
      agent: false,
      headers: { accept: 'application/json, */*', 'user-agent': 'kubeha-check', ...tls.headers },
    };
    if (u.protocol === 'https:') {
      Object.assign(opts, {
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        rejectUnauthorized: tls.rejectUnauthorized ?? true,
        // SNI carries names only; an IP address is checked against the certificate's IP SANs.
        servername: tls.servername ?? (isIP(host) ? undefined : host),
      });
    }
    const done = (r: Omit<ProbeResult, 'ms'>) => {
      clearTimeout(timer);
      resolve({ ...r, ms: Date.now() - started });
    };
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 1 << 20) body += c;
      });
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
      res.on('error', (err) => done({ error: err.message }));
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('error', (err: NodeJS.ErrnoException) => done({ error: describe(err) }));
    req.end();
  });
}

function describe(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return 'connection refused';
  if (err.code === 'ECONNRESET') return 'connection reset';
  return err.code && !err.message.includes(err.code) ? `${err.code}: ${err.message}` : err.message;
}

/** The names of the failing checks in a `/readyz?verbose` body (`[-]etcd failed: …`). */
export function failingChecks(body: string): string[] {
  return [...body.matchAll(/^\[-\]([^\s]+) failed/gm)].map((m) => m[1]!);
}
