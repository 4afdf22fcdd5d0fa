import { createServer } from 'node:net';

/**
 * A port nothing listens on right now, only for a port that must stay closed (a
 * refused connect) or that another process (nginx, a container, a `kubeha proxy`
 * child) must be told before it starts: it is free only until someone else binds
 * it, a small race callers on loopback accept. Whatever listens in-process binds
 * port 0 and reads the port back.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
