import { createServer } from 'node:net';

/**
 * A port nothing listens on right now, for a process that must be told its port
 * in advance (`kubeha proxy` refuses port 0). Another process may take it before
 * it is used: callers on loopback accept that small race.
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
