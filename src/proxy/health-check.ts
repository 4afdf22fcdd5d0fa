/**
 * One active health check against one upstream: HTTPS (default) or HTTP GET of
 * the health path, or a bare TCP connect. With an agent (check-agent.ts) HTTP(S)
 * checks reuse one keep-alive connection; a failed or timed-out check destroys
 * its connection, so the next one dials fresh and a server that stops accepting
 * or stops answering TLS is noticed, as the data path would notice it. Without
 * an agent every check opens its own connection.
 */
import { request as httpsRequest } from 'node:https';
import {
  request as httpRequest,
  type Agent,
  type ClientRequest,
  type IncomingMessage,
} from 'node:http';
import { connect } from 'node:net';
import type { CheckRecord } from './upstream.js';

export interface CheckTls {
  ca?: string;
  cert?: string;
  key?: string;
  serverName?: string;
}

export interface CheckTarget {
  host: string;
  port: number;
}

export interface CheckSpec {
  kind: 'https' | 'http' | 'tcp';
  path: string;
  timeoutMs: number;
  tls: CheckTls;
  /** Keep-alive agent for HTTP(S) checks; none: a new connection per check. */
  agent?: Agent;
}

/** A reused idle connection the server had closed meanwhile: retried once on a new one. */
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

const MAX_BODY = 4096;

/** `[-]etcd failed: reason withheld` lines of a kube-apiserver health body -> ["etcd"]. */
export function failedChecks(body: string): string[] {
  const out: string[] = [];
  for (const m of body.matchAll(/^\[-\]([^\s]+) failed/gm)) out.push(m[1]!);
  return out;
}

export function runCheck(
  target: CheckTarget,
  spec: CheckSpec,
  signal?: AbortSignal,
): Promise<CheckRecord> {
  const started = performance.now();
  const at = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    let finish = (r: Omit<CheckRecord, 'latencyMs' | 'at'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, latencyMs: performance.now() - started, at });
    };
    const fail = (reason: string) => finish({ ok: false, unauthorized: false, reason });
    let abort = () => {};
    const timer = setTimeout(() => {
      fail(`${spec.kind === 'tcp' ? 'connect' : spec.path} timed out after ${spec.timeoutMs}ms`);
      abort();
    }, spec.timeoutMs);
    // Stopping the proxy (or the upstream's probe) ends the check and its socket at once.
    const onAbort = () => {
      fail('check aborted');
      abort();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const finished = finish;
    finish = (r) => {
      signal?.removeEventListener('abort', onAbort);
      finished(r);
    };

    if (spec.kind === 'tcp') {
      const sock = connect({ host: target.host, port: target.port });
      abort = () => sock.destroy();
      sock.once('connect', () => {
        finish({ ok: true, unauthorized: false, reason: 'tcp connect ok' });
        sock.destroy();
      });
      sock.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
      return;
    }

    let req: ClientRequest | undefined;
    const onResponse = (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      // A failed check must not leave its connection in the agent: the next one dials
      // fresh. (An idle socket the agent holds is dropped from it when it closes.)
      const socket = res.socket;
      const failAndClose = (r: Omit<CheckRecord, 'latencyMs' | 'at'>) => {
        finish(r);
        socket.destroy();
      };
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < MAX_BODY) body += chunk;
      });
      res.on('end', () => {
        if (status >= 200 && status < 300) {
          finish({ ok: true, unauthorized: false, status, reason: `${spec.path} ${status}` });
        } else if (status === 401 || status === 403) {
          // The kubelet's checks run with --anonymous-auth=false in hardened clusters:
          // an answer at all proves the server is up.
          finish({
            ok: true,
            unauthorized: true,
            status,
            reason: `${spec.path} ${status} (alive, unauthorized)`,
          });
        } else {
          const failed = failedChecks(body);
          const detail =
            failed.length > 0 ? ` [${failed.map((c) => `${c} failed`).join(', ')}]` : '';
          failAndClose({
            ok: false,
            unauthorized: false,
            status,
            reason: `${spec.path} ${status}${detail}`,
          });
        }
      });
      res.on('error', (err) => fail(err.message));
    };
    const common = {
      host: target.host,
      port: target.port,
      path: spec.path,
      method: 'GET',
      agent: spec.agent ?? (false as const),
      headers: { accept: 'text/plain', 'user-agent': 'kubeha-proxy' },
    };
    const send = (retried: boolean) => {
      const r =
        spec.kind === 'https'
          ? httpsRequest(
              {
                ...common,
                ca: spec.tls.ca,
                cert: spec.tls.cert,
                key: spec.tls.key,
                servername: spec.tls.serverName,
                // Without a CA there is nothing to verify against (nginx-proxy checks nothing at all).
                rejectUnauthorized: spec.tls.ca !== undefined,
              },
              onResponse,
            )
          : httpRequest(common, onResponse);
      req = r;
      r.on('error', (err: NodeJS.ErrnoException) => {
        if (!settled && !retried && r.reusedSocket && STALE_CONNECTION.has(err.code ?? '')) {
          send(true);
          return;
        }
        fail(err.code ?? err.message);
      });
      r.end();
    };
    abort = () => req?.destroy();
    send(false);
  });
}
