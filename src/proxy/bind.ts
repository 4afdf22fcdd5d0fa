/**
 * Binding a listening socket, the way a node-local proxy must:
 * - with SO_REUSEPORT (`reusePort`, Node >= 22.12), so a second kubeha with the same
 *   configuration can start beside a running one and both serve: the hitless
 *   restart of docs/proxy.md. Linux lets only sockets of the same user share.
 * - retrying a taken address for `retryMs` (the `bindRetry` setting), so a kubeha
 *   started while nginx-proxy still holds 127.0.0.1:6443 (nginx binds without
 *   reuseport) takes the port within RETRY_EVERY_MS of nginx letting it go, instead
 *   of after a container restart. It says once a second what it waits for.
 */
import type { Server } from 'node:net';
import type { Logger } from 'pino';
import { formatHostPort, type HostPort } from '../shared/address.js';
import { describeHolder, findPortHolder } from './port-holder.js';

export const RETRY_EVERY_MS = 50;
const LOG_EVERY_MS = 1000;

export interface BindOptions {
  reusePort: boolean;
  /** Keep retrying EADDRINUSE for this long (0: fail at once). */
  retryMs: number;
  log: Logger;
  /** What is bound, for the log: "listener", "admin". */
  what: string;
  /** Gives up the wait (the proxy is stopping). */
  signal?: AbortSignal;
}

function listenOnce(server: Server, hp: HostPort, reusePort: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    // exclusive: in a node:cluster worker, bind a socket of its own (in the
    // reuseport group) instead of asking the supervisor for a shared one.
    server.listen({ host: hp.host, port: hp.port, reusePort, exclusive: reusePort }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export async function listenWithRetry(server: Server, hp: HostPort, o: BindOptions): Promise<void> {
  const key = formatHostPort(hp);
  const started = Date.now();
  let lastLog = -Infinity;
  for (;;) {
    try {
      await listenOnce(server, hp, o.reusePort);
      if (Number.isFinite(lastLog))
        o.log.info(
          { address: key, waitedMs: Date.now() - started },
          `${o.what} ${key} bound after waiting ${Date.now() - started}ms`,
        );
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const now = Date.now();
      if (code !== 'EADDRINUSE' || now - started >= o.retryMs || o.signal?.aborted) throw err;
      if (now - lastLog >= LOG_EVERY_MS) {
        lastLog = now;
        const holder = describeHolder(findPortHolder(hp.host, hp.port));
        const left = Math.ceil((o.retryMs - (now - started)) / 1000);
        o.log.warn(
          { address: key, holder, retryForS: left },
          `${o.what} ${key} is taken (${holder}): waiting for it, ${left}s left`,
        );
      }
      server.close();
      await new Promise((r) => setTimeout(r, RETRY_EVERY_MS));
    }
  }
}
