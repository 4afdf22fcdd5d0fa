/**
 * The L4 data path: accept a client, connect it to an upstream (retrying the next
 * one on refusal or timeout), then hand the pair to splice.ts. TLS stays end to
 * end. Nothing here runs per chunk, and nothing allocates a closure per connection:
 * bytes are read from the sockets' own counters at close.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { formatHostPort, type HostPort } from '../shared/address.js';
import type { ProxiedConnection, Upstream } from './upstream.js';
import type { UpstreamPool } from './upstream-pool.js';
import { connectUpstream, releaseUpstream, splice } from './splice.js';
import { listenWithRetry, type BindOptions } from './bind.js';

export interface DataPathSettings {
  connectTimeoutMs: number;
  /** 0 = every upstream. */
  maxTries: number;
  idleTimeoutMs: number;
  keepAliveMs: number;
  maxConnections: number;
}

export interface ListenerCounters {
  accepted: number;
  dropped: number;
  errors: number;
}

/** Data-path state shared by all listeners; settings change on reload. */
export interface DataPath {
  pool: UpstreamPool;
  settings: DataPathSettings;
  log: Logger;
  /** Every open client connection, for shutdown. */
  open: Set<ProxiedConnection>;
  /** Clients still waiting for an upstream connect. */
  pending: Set<Socket>;
}

const DROP_LOG_EVERY_MS = 10_000;
const lastFailLog = new WeakMap<DataPath, number>();

export class ProxyListener {
  readonly key: string;
  readonly server: Server;
  readonly counters: ListenerCounters = { accepted: 0, dropped: 0, errors: 0 };
  private lastDropLog = 0;

  constructor(
    readonly address: HostPort,
    private readonly dp: DataPath,
  ) {
    this.key = formatHostPort(address);
    this.server = createServer(
      {
        pauseOnConnect: true, // read nothing until an upstream is connected: no buffering
        allowHalfOpen: true,
        noDelay: true,
      },
      (client) => {
        this.counters.accepted++;
        // Per connection rather than as a server option (the same setsockopt), so a
        // reloaded tcpKeepAlive reaches listeners bound before the reload.
        client.setKeepAlive(true, this.dp.settings.keepAliveMs);
        accept(client, this.dp);
      },
    );
    this.server.maxConnections = dp.settings.maxConnections;
    this.server.on('drop', () => {
      this.counters.dropped++;
      const now = Date.now();
      if (now - this.lastDropLog >= DROP_LOG_EVERY_MS) {
        this.lastDropLog = now;
        this.dp.log.warn(
          {
            listener: this.key,
            maxConnections: this.server.maxConnections,
            dropped: this.counters.dropped,
          },
          `listener ${this.key} at maxConnections ${this.server.maxConnections}: dropping new connections`,
        );
      }
    });
  }

  /** Binds (see bind.ts); from then on errors are accept errors (EMFILE and the like). */
  async listen(o: BindOptions): Promise<void> {
    await listenWithRetry(this.server, this.address, o);
    this.server.on('error', (err) => {
      this.counters.errors++;
      this.dp.log.error(
        { listener: this.key, err: err.message },
        `listener ${this.key} error: ${err.message}`,
      );
    });
  }

  private closed?: Promise<void>;

  /**
   * Stops accepting; established connections carry on (they are not the
   * server's to close). The promise settles once the server has no connections
   * left. Idempotent: net.Server would never call a second close()'s callback
   * if its 'close' event has already passed.
   */
  close(): Promise<void> {
    this.closed ??= new Promise((resolve) => this.server.close(() => resolve()));
    return this.closed;
  }

  setMaxConnections(n: number): void {
    this.server.maxConnections = n;
  }
}

/**
 * One client waiting for an upstream connect. Kept on both sockets under a symbol
 * so the handlers below are shared functions, not closures made per connection.
 */
interface Attempt {
  client: Socket;
  server: Socket;
  upstream: Upstream;
  tried: Set<Upstream>;
  dp: DataPath;
  settled: boolean;
}

const kAttempt = Symbol('kubeha.attempt');
type Attempting = Socket & { [kAttempt]: Attempt };

function accept(client: Socket, dp: DataPath): void {
  client.on('error', noop); // a reset before pairing is the client's business
  client.on('close', onPendingClientClose);
  dp.pending.add(client);
  tryUpstream(client, dp, new Set());
}

function noop(): void {}

function tryUpstream(client: Socket, dp: DataPath, tried: Set<Upstream>): void {
  if (client.destroyed) {
    dp.pending.delete(client);
    return;
  }
  const upstream = dp.pool.pick(tried);
  const limit = dp.settings.maxTries > 0 ? dp.settings.maxTries : Infinity;
  if (upstream === undefined || tried.size >= limit) {
    giveUp(client, dp, tried);
    return;
  }
  if (tried.size > 0) dp.pool.connectRetries++;
  tried.add(upstream);
  const server = connectUpstream({
    host: upstream.host,
    port: upstream.port,
    allowHalfOpen: true,
    noDelay: true,
    keepAlive: true,
    keepAliveInitialDelay: dp.settings.keepAliveMs,
  });
  const attempt: Attempt = { client, server, upstream, tried, dp, settled: false };
  (client as Attempting)[kAttempt] = attempt;
  (server as Attempting)[kAttempt] = attempt;
  server.setTimeout(dp.settings.connectTimeoutMs);
  server.on('timeout', onConnectTimeout);
  server.on('error', onConnectError);
  server.on('connect', onUpstreamConnect);
}

function giveUp(client: Socket, dp: DataPath, tried: Set<Upstream>): void {
  dp.pool.failedClients++;
  dp.pending.delete(client);
  // With every upstream down this happens per client: log it at most every 10 s.
  const now = Date.now();
  if (now - (lastFailLog.get(dp) ?? -Infinity) >= DROP_LOG_EVERY_MS) {
    lastFailLog.set(dp, now);
    dp.log.warn(
      { tried: [...tried].map((u) => u.key), failedTotal: dp.pool.failedClients },
      `no upstream could take a client connection (tried ${tried.size}; ${dp.pool.failedClients} so far)`,
    );
  }
  client.destroy();
}

function onConnectTimeout(this: Attempting): void {
  connectFailed(this[kAttempt], `connect timeout ${this[kAttempt].dp.settings.connectTimeoutMs}ms`);
}

function onConnectError(this: Attempting, err: NodeJS.ErrnoException): void {
  connectFailed(this[kAttempt], err.code ?? err.message);
}

/** The client left while its upstream connect was in flight. */
function onPendingClientClose(this: Attempting): void {
  const a = this[kAttempt];
  if (a === undefined || a.settled) return;
  a.settled = true;
  a.server.destroy();
  releaseUpstream(a.server);
  a.dp.pending.delete(a.client);
}

function connectFailed(a: Attempt, reason: string): void {
  if (a.settled) return; // a late error or timeout of an attempt already given up
  a.settled = true;
  a.server.destroy(); // its error listener stays: later errors are swallowed above
  releaseUpstream(a.server);
  a.dp.pool.connectFailed(a.upstream, reason);
  a.dp.log.debug(
    { upstream: a.upstream.key, reason },
    `connect to ${a.upstream.key} failed: ${reason}`,
  );
  tryUpstream(a.client, a.dp, a.tried);
}

function onUpstreamConnect(this: Attempting): void {
  const a = this[kAttempt];
  a.settled = true;
  const { client, server } = a;
  server.setTimeout(0);
  server.off('timeout', onConnectTimeout);
  server.off('error', onConnectError);
  server.off('connect', onUpstreamConnect);
  client.off('error', noop);
  client.off('close', onPendingClientClose);
  a.dp.pending.delete(client);
  splice(client, server, a.upstream, a.dp);
}
