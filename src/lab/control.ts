/**
 * A small HTTP control plane for lab servers started by hand (`kubeha lab`):
 * `GET /` lists them; `POST /<host:port>/<action>` with action one of unready,
 * ready, refuse, hang, die, resume flips one, and `remove` shuts it down for good
 * (it leaves `default/kubernetes` at once); `POST /add?host=127.0.10.14[&port=N]`
 * starts one more. `?checks=etcd,informer-sync` chooses the failing checks for
 * `unready`.
 */
import { createServer, type Server } from 'node:http';
import type { LabCluster } from './cluster.js';

const ACTIONS = ['unready', 'ready', 'refuse', 'hang', 'die', 'resume', 'remove'] as const;

export function createLabControl(lab: LabCluster): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://control');
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body, null, 2)}\n`);
    };
    const list = () => lab.servers.map((s) => ({ server: s.address, ...s.stats() }));
    const done = (p: Promise<unknown>) =>
      p.then(
        () => reply(200, list()),
        (err: Error) => reply(500, { error: err.message }),
      );
    if (req.method === 'GET' && url.pathname === '/') return reply(200, list());
    if (req.method === 'POST' && url.pathname === '/add') {
      const host = url.searchParams.get('host');
      const port = url.searchParams.get('port');
      if (!host) return reply(400, { error: 'POST /add?host=ADDRESS[&port=N]' });
      return done(lab.addServer(host, port === null ? undefined : Number(port)));
    }
    const m = /^\/([^/]+)\/([a-z]+)$/.exec(url.pathname);
    const server = m && lab.servers.find((s) => s.address === decodeURIComponent(m[1]!));
    const action = m?.[2] as (typeof ACTIONS)[number] | undefined;
    if (req.method !== 'POST' || !server || !action || !ACTIONS.includes(action)) {
      return reply(404, {
        error: 'use GET /, POST /<host:port>/<action> or POST /add?host=ADDRESS',
        actions: ACTIONS,
        servers: lab.servers.map((s) => s.address),
      });
    }
    const checks = url.searchParams.get('checks')?.split(',').filter(Boolean);
    const run = async () => {
      if (action === 'unready') server.unready(checks);
      else if (action === 'ready') server.ready();
      else if (action === 'hang') server.hang();
      else if (action === 'remove') await lab.removeServer(server.address);
      else await server[action]();
    };
    return done(run());
  });
}
