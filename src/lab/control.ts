/**
 * A small HTTP control plane for lab servers started by hand (`kubeha lab`):
 * `GET /` lists them; `POST /<host:port>/<action>` with action one of unready,
 * ready, refuse, hang, die, resume flips one. `?checks=etcd,informer-sync`
 * chooses the failing checks for `unready`.
 */
import { createServer, type Server } from 'node:http';
import type { LabApiServer } from './api-server.js';

const ACTIONS = ['unready', 'ready', 'refuse', 'hang', 'die', 'resume'] as const;

export function createLabControl(servers: LabApiServer[]): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control');
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body, null, 2)}\n`);
    };
    const list = () => servers.map((s) => ({ server: s.address, ...s.stats() }));
    if (req.method === 'GET' && url.pathname === '/') return reply(200, list());
    const m = /^\/([^/]+)\/([a-z]+)$/.exec(url.pathname);
    const server = m && servers.find((s) => s.address === decodeURIComponent(m[1]!));
    const action = m?.[2] as (typeof ACTIONS)[number] | undefined;
    if (req.method !== 'POST' || !server || !action || !ACTIONS.includes(action)) {
      return reply(404, {
        error: 'use GET / or POST /<host:port>/<action>',
        actions: ACTIONS,
        servers: servers.map((s) => s.address),
      });
    }
    const checks = url.searchParams.get('checks')?.split(',').filter(Boolean);
    const run = async () => {
      if (action === 'unready') server.unready(checks);
      else if (action === 'ready') server.ready();
      else if (action === 'hang') server.hang();
      else await server[action]();
    };
    run().then(
      () => reply(200, list()),
      (err: Error) => reply(500, { error: err.message }),
    );
  });
}
