/**
 * A small list+watch client for one kind of object, over node:https (the
 * reflector pattern of client-go, cut down to what discovery needs): list, then
 * watch from the list's resourceVersion; a watch that ends is resumed from the
 * last resourceVersion seen; 410 Gone (a resourceVersion older than the server's
 * watch cache) means list again; any other error lists again after a backoff.
 * @kubernetes/client-node does the same, but importing its Watch and KubeConfig
 * adds ~68 MiB to the proxy's resident memory (docs/proxy.md), so the tests use it
 * as the oracle instead.
 */
import { request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { ApiTarget } from './kube-credentials.js';

/** Bodies of list responses are small (one object); anything larger is refused. */
const MAX_BODY = 4 << 20;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    path: string,
    detail: string,
  ) {
    super(`GET ${path.split('?')[0]}: ${status}${detail ? ` ${detail}` : ''}`);
  }
}

function options(t: ApiTarget, path: string, signal: AbortSignal): RequestOptions {
  return {
    host: t.host,
    port: t.port,
    path,
    agent: false,
    ca: t.ca,
    cert: t.cert,
    key: t.key,
    servername: t.servername,
    checkServerIdentity: t.checkServerIdentity,
    rejectUnauthorized: true,
    signal,
    headers: { accept: 'application/json', 'user-agent': 'kubeha-proxy' },
  };
}

function open(
  t: ApiTarget,
  path: string,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(options(t, path, signal), (res) => {
      clearTimeout(timer);
      resolve(res);
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}

async function readBody(res: IncomingMessage): Promise<string> {
  let body = '';
  res.setEncoding('utf8');
  for await (const chunk of res as AsyncIterable<string>) {
    body += chunk;
    if (body.length > MAX_BODY) {
      res.destroy();
      throw new Error(`response larger than ${MAX_BODY} bytes`);
    }
  }
  return body;
}

/** A Status body's message, for the error line. */
function statusMessage(body: string): string {
  try {
    const s = JSON.parse(body) as { message?: string };
    return typeof s.message === 'string' ? s.message : '';
  } catch {
    return body.slice(0, 200);
  }
}

/** GET → parsed JSON of a 200, else HttpError with the status. */
export async function getJson(
  t: ApiTarget,
  path: string,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<unknown> {
  const res = await open(t, path, signal, timeoutMs);
  const body = await readBody(res);
  if (res.statusCode !== 200) throw new HttpError(res.statusCode ?? 0, path, statusMessage(body));
  return JSON.parse(body);
}

/**
 * A watch: calls `event` with each JSON line until the server ends the stream
 * (resolves) or the connection fails (rejects). `idleMs` bounds the silence
 * between two chunks (a server that went quiet behind a half-open connection).
 */
export async function streamWatch(
  t: ApiTarget,
  path: string,
  signal: AbortSignal,
  timeoutMs: number,
  idleMs: number,
  event: (e: unknown) => boolean | void,
): Promise<void> {
  const res = await open(t, path, signal, timeoutMs);
  if (res.statusCode !== 200) {
    const body = await readBody(res);
    throw new HttpError(res.statusCode ?? 0, path, statusMessage(body));
  }
  res.setEncoding('utf8');
  const idle = setTimeout(() => res.destroy(new Error(`watch silent for ${idleMs} ms`)), idleMs);
  let pending = '';
  try {
    for await (const chunk of res as AsyncIterable<string>) {
      idle.refresh();
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line === '') continue;
        // `true` from the handler: stop this watch (list again)
        if (event(JSON.parse(line)) === true) {
          res.destroy();
          return;
        }
      }
      if (pending.length > MAX_BODY) throw new Error(`watch event larger than ${MAX_BODY} bytes`);
    }
  } finally {
    clearTimeout(idle);
  }
}
