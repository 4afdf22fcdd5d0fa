/**
 * Long-lived watch streams through the proxy that re-open when closed, as
 * client-go's reflectors do (after a short pause; a failed open is retried).
 * counts() says how many are open on each lab server right now.
 */
import { openWatch, type GetOptions, type WatchHandle } from '../lab/tls-client.js';
import type { Rig } from './helpers.js';

/** Check timeouts sized for a loaded machine, for tests that fail servers by /readyz 500. */
export const CHECKS = { healthCheck: { timeout: '2s' } };

/** Where a client reaches the lab through the rig's proxy. */
export const via = (rig: Rig) => ({
  host: '127.0.0.1',
  port: rig.port,
  ca: rig.lab.ca.cert,
  servername: 'localhost',
});

export interface Streams {
  /** Open streams per server name. */
  counts(): Map<string, number>;
  open(): number;
  /** How many times a stream was closed under the client and re-opened. */
  reopened(): number;
  stop(): void;
}

export async function reopeningStreams(
  via: Omit<GetOptions, 'path'>,
  n: number,
  reopenDelayMs = 100,
): Promise<Streams> {
  const live = new Array<WatchHandle | undefined>(n);
  let stopped = false;
  let reopened = 0;
  const keep = async (i: number): Promise<void> => {
    // Bounded: a stream retries at most 1000 times over the test's life.
    for (let attempt = 0; attempt < 1000 && !stopped; attempt++) {
      try {
        const w = await openWatch({ ...via, timeoutMs: 5000 });
        if (stopped) return w.stop();
        live[i] = w;
        await w.closed;
        live[i] = undefined;
        if (stopped) return;
        reopened++;
      } catch {
        // refused or reset while opening: try again after the pause
      }
      await new Promise((r) => setTimeout(r, reopenDelayMs));
    }
  };
  // Opened one after another, so least_conn spreads them evenly to start with.
  for (let i = 0; i < n; i++) {
    const w = await openWatch(via);
    live[i] = w;
    void w.closed.then(() => {
      live[i] = undefined;
      if (stopped) return;
      reopened++;
      setTimeout(() => void keep(i), reopenDelayMs);
    });
  }
  return {
    counts: () => {
      const m = new Map<string, number>();
      for (const w of live) if (w?.isOpen()) m.set(w.servedBy, (m.get(w.servedBy) ?? 0) + 1);
      return m;
    },
    open: () => live.filter((w) => w?.isOpen()).length,
    reopened: () => reopened,
    stop: () => {
      stopped = true;
      for (const w of live) w?.stop();
    },
  };
}
