/**
 * The L4 data path: accept a client, connect it to an upstream (retrying the next
 * one on refusal or timeout), then splice the two sockets with pipe(), which
 * respects backpressure in both directions. TLS stays end to end. Nothing here
 * runs per chunk: bytes are read from the sockets' own counters at close.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { formatHostPort, type HostPort } from '../shared/address.js';
import { ProxiedConnection, type Upstream } from './upstream.js';
import type { UpstreamPool } from './upstream-pool.js';

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
        keepAlive: true,
        keepAliveInitialDelay: dp.settings.keepAliveMs,
      },
      (client) => {
        this.counters.accepted++;
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

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host: this.address.host, port: this.address.port }, () => {
        this.server.off('error', onError);
        // From here on errors are accept errors (EMFILE and the like): count, log, keep serving.
        this.server.on('error', (err) => {
          this.counters.errors++;
          this.dp.log.error(
            { listener: this.key, err: err.message },
            `listener ${this.key} error: ${err.message}`,
          );
        });
        resolve();
      });
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

function accept(client: Socket, dp: DataPath): void {
  client.on('error', noop); // a reset before pairing is the client's business
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
    return;
  }
  if (tried.size > 0) dp.pool.connectRetries++;
  tried.add(upstream);
  const server = connect({
    host: upstream.host,
    port: upstream.port,
    allowHalfOpen: true,
    noDelay: true,
    keepAlive: true,
    keepAliveInitialDelay: dp.settings.keepAliveMs,
  });
  const onClientGone = () => {
    clearTimeout(timer);
    server.destroy();
    dp.pending.delete(client);
  };
  const fail = (reason: string) => {
    clearTimeout(timer);
    server.removeAllListeners();
    server.on('error', noop);
    server.destroy();
    client.off('close', onClientGone);
    dp.pool.connectFailed(upstream, reason);
    dp.log.debug(
      { upstream: upstream.key, reason },
      `connect to ${upstream.key} failed: ${reason}`,
    );
    tryUpstream(client, dp, tried);
  };
  const timer = setTimeout(
    () => fail(`connect timeout ${dp.settings.connectTimeoutMs}ms`),
    dp.settings.connectTimeoutMs,
  );
  server.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
  client.once('close', onClientGone);
  server.once('connect', () => {
    clearTimeout(timer);
    server.removeAllListeners('error');
    client.off('close', onClientGone);
    dp.pending.delete(client);
    splice(client, server, upstream, dp);
  });
}

function splice(client: Socket, server: Socket, upstream: Upstream, dp: DataPath): void {
  const conn = new ProxiedConnection(client, server, upstream);
  upstream.conns.add(conn);
  upstream.connectionsTotal++;
  // The upstream may have turned unhealthy while this connect was in flight.
  if (upstream.health.health === 'unhealthy') dp.pool.lateConnection();
  dp.open.add(conn);
  // Also runs on the sockets' 'close' after the pool closed the pair (unhealthy, drain).
  const close = () => {
    conn.close();
    if (dp.open.delete(conn)) dp.pool.connectionClosed(upstream);
  };
  client.off('error', noop);
  client.on('error', close);
  server.on('error', close);
  client.on('close', close);
  server.on('close', close);
  // One timer per connection, reset by traffic either way: the client socket reads
  // what goes up and writes what comes down (nginx's proxy_timeout, default 10m).
  if (dp.settings.idleTimeoutMs > 0) {
    client.setTimeout(dp.settings.idleTimeoutMs);
    client.on('timeout', close);
  }
  // pipe() ends the destination when the source ends: a half-close passes through.
  client.pipe(server);
  server.pipe(client);
}
