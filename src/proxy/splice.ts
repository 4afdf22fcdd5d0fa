/**
 * Splicing a connected client/upstream socket pair: bytes both ways with manual
 * backpressure, half-close passed through, one close for both sides.
 *
 * Hot path. Instead of pipe() (about a dozen listeners and closures per pair) every
 * handler is a module-level function that finds its pair through a symbol on the
 * socket, so a connection allocates no closures. The idle timeout is a coarse sweep
 * over open connections (one interval timer per data path) instead of a timer per
 * socket refreshed on every read and write: a chunk only sets a flag.
 *
 * The upstream socket reads into a buffer of its own (net.connect's `onread`)
 * instead of a new Buffer pushed through a Readable per read; this direction
 * carries the responses and watch streams. That buffer is handed to the client's
 * write() and reused for the next read only once the write completed at once;
 * while the kernel still holds part of it the next read gets another buffer. The
 * client side cannot do this: net.Server has no `onread`.
 */
import { connect, type Socket, type TcpNetConnectOpts } from 'node:net';
import { ProxiedConnection } from './upstream.js';
import type { DataPath } from './data-path.js';
import { BULK_READ_BYTES, FIRST_READ_BYTES, giveBuffer, takeBuffer } from './read-buffers.js';

const kPeer = Symbol('kubeha.peer');
const kConn = Symbol('kubeha.conn');
/** The upstream socket's current read buffer (Node keeps its own reference, unexposed). */
const kReadBuffer = Symbol('kubeha.readBuffer');

interface SplicedSocket extends Socket {
  [kPeer]: Socket;
  [kConn]: SplicedConnection;
  [kReadBuffer]?: Buffer;
}

class SplicedConnection extends ProxiedConnection {
  /** Traffic seen since the last idle sweep. */
  active = true;
  /** When the sweep last saw traffic (ms). */
  seenAt = 0;
  constructor(
    client: Socket,
    server: Socket,
    upstream: ProxiedConnection['upstream'],
    readonly dp: DataPath,
  ) {
    super(client, server, upstream);
  }
}

/** Hands both sockets to the splice; the client is still paused (pauseOnConnect). */
export function splice(
  client: Socket,
  server: Socket,
  upstream: ProxiedConnection['upstream'],
  dp: DataPath,
): void {
  const conn = new SplicedConnection(client, server, upstream, dp);
  upstream.conns.add(conn);
  upstream.connectionsTotal++;
  // The upstream may have turned unhealthy while this connect was in flight.
  if (upstream.health.health === 'unhealthy') dp.pool.lateConnection();
  dp.open.add(conn);
  wire(client as SplicedSocket, server, conn, true);
  wire(server as SplicedSocket, client, conn, false); // reads via upstreamReads
  if (dp.settings.idleTimeoutMs > 0) startSweep(dp);
  client.resume();
}

function wire(s: SplicedSocket, peer: Socket, conn: SplicedConnection, reads: boolean): void {
  s[kPeer] = peer;
  s[kConn] = conn;
  if (reads) s.on('data', onData);
  s.on('drain', onDrain);
  s.on('end', onEnd);
  s.on('error', onCloseOrError);
  s.on('close', onCloseOrError);
}

let nextReadBuffer: Buffer | undefined;

/**
 * `onread.buffer` generator. Node calls it with no `this`: once when connect()
 * creates the handle and after every read callback; both leave their choice here.
 */
function takeReadBuffer(): Buffer {
  const b = nextReadBuffer!;
  nextReadBuffer = undefined;
  return b;
}

const upstreamReads = { buffer: takeReadBuffer, callback: onUpstreamRead };

/**
 * Every upstream socket starts reading into this one shared buffer and moves to a
 * pooled buffer of its own at its first read (nginx, too, allocates its proxy
 * buffer on first use), so connections that have not answered yet — and idle
 * ones — hold none. Sharing is safe because a read is consumed in its callback
 * and the first read's bytes are written from a copy.
 */
const starter = Buffer.allocUnsafeSlow(FIRST_READ_BYTES);

/** net.connect() for an upstream: reads go to onUpstreamRead. */
export function connectUpstream(opts: TcpNetConnectOpts): Socket {
  nextReadBuffer = starter;
  return connect({ ...opts, onread: upstreamReads });
}

/** The socket is destroyed: nothing reads into its buffer any more. */
export function releaseUpstream(s: Socket): void {
  const buf = (s as SplicedSocket)[kReadBuffer];
  if (buf === undefined) return;
  (s as SplicedSocket)[kReadBuffer] = undefined;
  giveBuffer(buf);
}

function onUpstreamRead(this: SplicedSocket, n: number, buf: Uint8Array): boolean {
  this[kConn].active = true;
  const client = this[kPeer];
  let ok: boolean;
  let next = buf as Buffer;
  if (buf === starter) {
    ok = client.write(Buffer.from(starter.subarray(0, n)));
    next = takeBuffer(n === buf.length ? BULK_READ_BYTES : FIRST_READ_BYTES);
  } else {
    ok = client.write(buf.subarray(0, n));
    if (client.writableLength > 0) {
      // The write still references buf (it goes to GC with the write): the next
      // read must not overwrite it.
      next = takeBuffer(buf.length);
    } else if (n === buf.length && buf.length < BULK_READ_BYTES) {
      giveBuffer(next);
      next = takeBuffer(BULK_READ_BYTES);
    }
  }
  this[kReadBuffer] = nextReadBuffer = next;
  // false stops reading (backpressure); the client's 'drain' resumes it.
  return ok;
}

function onData(this: SplicedSocket, chunk: Buffer): void {
  this[kConn].active = true;
  // Backpressure: stop reading this side until the peer has flushed.
  if (!this[kPeer].write(chunk)) this.pause();
}

function onDrain(this: SplicedSocket): void {
  this[kPeer].resume();
}

/**
 * EOF from this side. Pass the half-close on (the peer may still answer, as an
 * HTTP/1 client that shut its side expects) — unless the other direction is
 * already finished too: then closing both sends the FINs without a shutdown(2).
 */
function onEnd(this: SplicedSocket): void {
  const peer = this[kPeer];
  if (peer.readableEnded && this.writableFinished && peer.writableLength === 0) {
    closeConnection(this[kConn]);
  } else {
    peer.end();
  }
}

function onCloseOrError(this: SplicedSocket): void {
  closeConnection(this[kConn]);
}

/** Also runs on the sockets' 'close' after the pool closed the pair (unhealthy, drain). */
function closeConnection(conn: SplicedConnection): void {
  conn.close(); // idempotent
  releaseUpstream(conn.server);
  const dp = conn.dp;
  if (dp.open.delete(conn)) dp.pool.connectionClosed(conn.upstream);
}

// ---- idle sweep ----------------------------------------------------------

const sweeps = new WeakMap<DataPath, { timer: NodeJS.Timeout; everyMs: number }>();

/** Sweep often enough that a connection closes within idle timeout + a quarter of it (≤ 5 s late). */
function sweepInterval(idleTimeoutMs: number): number {
  return Math.min(5_000, Math.max(25, Math.floor(idleTimeoutMs / 4)));
}

function startSweep(dp: DataPath): void {
  const everyMs = sweepInterval(dp.settings.idleTimeoutMs);
  const running = sweeps.get(dp);
  if (running?.everyMs === everyMs) return;
  if (running) clearInterval(running.timer);
  const timer = setInterval(sweep, everyMs, dp);
  timer.unref();
  sweeps.set(dp, { timer, everyMs });
}

/** After a reload or a stop: re-arm the sweep for the new timeout now, or stop it. */
export function updateIdleSweep(dp: DataPath): void {
  if (dp.open.size > 0 && dp.settings.idleTimeoutMs > 0) startSweep(dp);
  else stopSweep(dp);
}

function stopSweep(dp: DataPath): void {
  const running = sweeps.get(dp);
  if (!running) return;
  clearInterval(running.timer);
  sweeps.delete(dp);
}

function sweep(dp: DataPath): void {
  const idle = dp.settings.idleTimeoutMs;
  if (dp.open.size === 0 || idle <= 0) return stopSweep(dp);
  const now = Date.now();
  for (const c of dp.open) {
    const conn = c as SplicedConnection;
    if (conn.active) {
      conn.active = false;
      conn.seenAt = now;
    } else if (now - conn.seenAt >= idle) {
      closeConnection(conn);
    }
  }
}
