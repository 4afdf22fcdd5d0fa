/**
 * Scenario 4: RSS of a freshly started peer holding N idle proxied connections.
 * Each client connection sends half an HTTP request (a request line, no blank line)
 * so even a proxy that dials upstream lazily has to open the upstream side; the
 * upstream's stub_status confirms how many connections really arrived there.
 */
import { connect, type Socket } from 'node:net';
import type { HostPort } from '../../src/shared/address.js';
import type { RunningPeer } from './peers.js';
import { rssKiB } from './proc-stats.js';
import { sleep } from './processes.js';
import { activeConnections } from './upstream-server.js';

export interface MemorySample {
  connectionsRequested: number;
  /** Client connections that were established and still open at measurement. */
  clientConnections: number;
  /** Connections the upstream counted (proxied ones), measured before RSS. */
  upstreamConnections: number;
  rssBeforeKiB: number;
  rssAfterKiB: number;
  perConnectionKiB: number;
  seconds: number;
}

// Enough in flight that a slow accept loop shows as SYN retransmits, not as our own pacing.
const OPEN_CONCURRENCY = 1000;

export async function measureIdleConnections(
  peer: RunningPeer,
  upstreamStatus: HostPort,
  count: number,
  timeoutMs: number,
): Promise<MemorySample> {
  if (!peer.proc) throw new Error('memory scenario needs a proxy process');
  const t0 = Date.now();
  const baseUpstream = await activeConnections(upstreamStatus);
  await sleep(300);
  const rssBefore = rssKiB(peer.proc.pid);
  const sockets: Socket[] = [];
  let open = 0;
  try {
    let next = 0;
    const deadline = Date.now() + timeoutMs;
    const opener = async () => {
      while (next < count && Date.now() < deadline) {
        next++;
        const s = await openIdle(peer.address, 5000);
        if (s) {
          sockets.push(s);
          open++;
          s.once('close', () => open--);
        }
      }
    };
    await Promise.all(Array.from({ length: OPEN_CONCURRENCY }, opener));
    // Wait (bounded) until the upstream has seen them all, or its count stops moving
    // (a peer may refuse some: HAProxy's maxconn, a worker's connection limit).
    let upstream = 0;
    let stableSince = Date.now();
    for (;;) {
      const now = (await activeConnections(upstreamStatus)) - baseUpstream;
      if (now !== upstream) stableSince = Date.now();
      upstream = now;
      if (upstream >= open || Date.now() - stableSince > 1500 || Date.now() > deadline) break;
      await sleep(200);
    }
    await sleep(500); // let the peer finish whatever it allocates per connection
    const rssAfter = rssKiB(peer.proc.pid);
    const held = Math.min(open, upstream);
    return {
      connectionsRequested: count,
      clientConnections: open,
      upstreamConnections: upstream,
      rssBeforeKiB: rssBefore,
      rssAfterKiB: rssAfter,
      perConnectionKiB: held > 0 ? (rssAfter - rssBefore) / held : NaN,
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    for (const s of sockets) s.destroy();
  }
}

function openIdle(target: HostPort, timeoutMs: number): Promise<Socket | undefined> {
  return new Promise((resolve) => {
    const s = connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve(undefined);
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.write('GET /small HTTP/1.1\r\nHost: kubeha-bench\r\n'); // headers never finished
      resolve(s);
    });
    s.on('error', () => {
      clearTimeout(timer);
      s.destroy();
      resolve(undefined);
    });
  });
}
