/**
 * Optional discovery of API servers from the `default/kubernetes` Endpoints
 * object, which kube-apiserver's endpoint reconciler keeps at the list of live
 * API servers (each adds its advertise address and, with the lease reconciler,
 * removes it when it shuts down or its lease expires). Discovered addresses are
 * added to the configured ones, never substituted for them: the configuration
 * stays the bootstrap list and a discovery failure can only cost additions.
 */
import { request } from 'node:https';
import type { CheckTls } from './health-check.js';
import { formatHostPort } from '../shared/address.js';

export const ENDPOINTS_PATH = '/api/v1/namespaces/default/endpoints/kubernetes';

interface EndpointsObject {
  kind?: string;
  subsets?: {
    addresses?: { ip?: string }[];
    ports?: { name?: string; port?: number }[];
  }[];
}

/** `HOST:PORT` of every ready address in an Endpoints object (port named https, else the first). */
export function endpointAddresses(obj: unknown): string[] {
  const ep = obj as EndpointsObject;
  if (ep?.kind !== 'Endpoints' || !Array.isArray(ep.subsets)) return [];
  const out = new Set<string>();
  for (const subset of ep.subsets) {
    const ports = subset.ports ?? [];
    const port = (ports.find((p) => p.name === 'https') ?? ports[0])?.port;
    if (typeof port !== 'number') continue;
    for (const a of subset.addresses ?? []) {
      if (typeof a.ip === 'string' && a.ip !== '') out.add(formatHostPort({ host: a.ip, port }));
    }
  }
  return [...out].sort();
}

/** Configured first, in order, then discovered ones not already configured. */
export function mergeUpstreams(
  configured: readonly string[],
  discovered: readonly string[],
): string[] {
  const seen = new Set(configured);
  return [...configured, ...discovered.filter((d) => !seen.has(d))];
}

export function fetchEndpoints(
  target: { host: string; port: number },
  tls: CheckTls,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.host,
        port: target.port,
        path: ENDPOINTS_PATH,
        agent: false,
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        servername: tls.serverName,
        rejectUnauthorized: tls.ca !== undefined,
        signal,
        headers: { accept: 'application/json', 'user-agent': 'kubeha-proxy' },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 1 << 20) body += c;
        });
        res.on('end', () => {
          clearTimeout(timer);
          if (res.statusCode !== 200)
            return reject(new Error(`${ENDPOINTS_PATH} ${res.statusCode}`));
          try {
            resolve(endpointAddresses(JSON.parse(body)));
          } catch (err) {
            reject(err as Error);
          }
        });
        res.on('error', reject);
      },
    );
    const timer = setTimeout(
      () => req.destroy(new Error(`timed out after ${timeoutMs}ms`)),
      timeoutMs,
    );
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end();
  });
}
