import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { ProxyDaemon } from '../../src/proxy/daemon.js';
import { validateConfig } from '../../src/proxy/config.js';
import { waitFor } from '../lab/tls-client.js';
import { boundPort, freePort, parseMetrics } from './helpers.js';

interface Backend {
  server: Server;
  address: string;
  sockets: Set<Socket>;
  close(): Promise<void>;
}

/**
 * A plain TCP upstream on 127.0.10.x: echo; answer "got N bytes" after the client
 * half-closes; or send `blast` (whatever the client asks) and close.
 */
async function backend(
  host: string,
  mode: 'echo' | 'count' | 'blast',
  blast?: (request: string) => Buffer,
): Promise<Backend> {
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    if (mode === 'echo') {
      s.pipe(s);
      return;
    }
    if (mode === 'blast') {
      // In small pieces, so the proxy reads less than a buffer while its client is stalled.
      s.once('data', (c: Buffer) => {
        const all = blast!(c.toString());
        let at = 0;
        const next = () => {
          if (s.destroyed) return;
          if (at >= all.length) return void s.end();
          s.write(all.subarray(at, (at += 1500)));
          setImmediate(next);
        };
        next();
      });
      return;
    }
    let n = 0;
    s.on('data', (c: Buffer) => (n += c.length));
    s.on('end', () => s.end(`got ${n} bytes from ${host}`));
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    address: `${host}:${port}`,
    sockets,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

async function proxyTo(upstreams: string[], extra: Record<string, unknown> = {}) {
  const cfg = validateConfig({
    listen: ['127.0.0.1:0'],
    upstreams,
    admin: '127.0.0.1:0',
    healthCheck: { kind: 'tcp', interval: '200ms', timeout: '1500ms', edgeInterval: '50ms' },
    ...extra,
  });
  const lines: string[] = [];
  const daemon = new ProxyDaemon(cfg, {
    logger: pino({ level: 'info' }, { write: (s: string) => void lines.push(s) }),
  });
  await daemon.start();
  return { daemon, port: boundPort(daemon.listenAddresses()[0]), lines };
}

function dial(port: number, allowHalfOpen = false): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, allowHalfOpen }, () => resolve(s));
    s.on('error', reject);
  });
}

function readAll(s: Socket): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}

test('half-close passes through: the upstream answers after the client ends its side', async () => {
  const b = await backend('127.0.10.21', 'count');
  const { daemon, port } = await proxyTo([b.address]);
  try {
    const s = await dial(port, true);
    const reply = readAll(s);
    s.end('hello');
    assert.equal((await reply).toString(), 'got 5 bytes from 127.0.10.21');
  } finally {
    await daemon.stop(100);
    await b.close();
  }
});

test('16 MiB echoed intact through the proxy (backpressure both ways, no loss)', async () => {
  const b = await backend('127.0.10.22', 'echo');
  const { daemon, port } = await proxyTo([b.address]);
  try {
    const payload = randomBytes(16 * 1024 * 1024);
    const s = await dial(port);
    const back = new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      let n = 0;
      s.on('data', (c: Buffer) => {
        chunks.push(c);
        n += c.length;
        if (n >= payload.length) resolve(Buffer.concat(chunks));
      });
    });
    s.write(payload);
    const got = await back;
    assert.equal(
      createHash('sha256').update(got).digest('hex'),
      createHash('sha256').update(payload).digest('hex'),
    );
    s.destroy();
    type Status = { upstreams: { bytesFromClients: number; bytesToClients: number }[] };
    assert.ok(
      await waitFor(() => (daemon.status() as { connections: number }).connections === 0, 10_000),
    );
    const after = (daemon.status() as Status).upstreams[0]!;
    assert.equal(after.bytesFromClients, payload.length);
    assert.equal(after.bytesToClients, payload.length);
  } finally {
    await daemon.stop(100);
    await b.close();
  }
});

test('slow clients downloading at once get every byte (read buffers are never reused under a pending write)', async () => {
  const payloads = new Map<string, Buffer>();
  for (const name of ['a', 'b', 'c']) payloads.set(name, randomBytes(16 * 1024 * 1024));
  const b = await backend('127.0.10.24', 'blast', (name) => payloads.get(name)!);
  const { daemon, port } = await proxyTo([b.address]);
  try {
    const download = async (name: string) => {
      const s = await dial(port);
      const chunks: Buffer[] = [];
      const ended = new Promise<void>((r) => s.on('end', () => r()));
      s.on('data', (c: Buffer) => chunks.push(c));
      // Stall first: the kernel buffers towards this client fill up while the
      // upstream trickles, so the proxy's small writes to it stay pending.
      s.pause();
      s.write(name);
      // Resume once this client's own buffer is full: by then the kernel's buffers
      // between it and the proxy are too, and the proxy's writes are pending.
      const full = await waitFor(() => s.readableLength >= s.readableHighWaterMark, 20_000);
      assert.ok(full, `${name}: the stalled client's buffer never filled`);
      s.resume();
      await ended;
      return Buffer.concat(chunks);
    };
    const names = [...payloads.keys()];
    const got = await Promise.all(names.map(download));
    names.forEach((name, i) => {
      assert.equal(got[i]!.length, payloads.get(name)!.length, `${name}: length`);
      assert.ok(got[i]!.equals(payloads.get(name)!), `${name}: bytes differ`);
    });
  } finally {
    await daemon.stop(100);
    await b.close();
  }
});

test('idle timeout closes a silent connection; maxConnections drops the excess with a log line', async () => {
  const b = await backend('127.0.10.23', 'echo');
  const { daemon, port, lines } = await proxyTo([b.address], {
    idleTimeout: '300ms',
    maxConnections: 2,
  });
  try {
    const s1 = await dial(port);
    const s2 = await dial(port);
    const closed1 = new Promise<void>((r) => s1.on('close', () => r()));
    s1.resume();
    s2.resume();
    const s3 = await dial(port);
    const dropped = await new Promise<boolean>((r) => {
      s3.on('close', () => r(true));
      s3.resume();
      setTimeout(() => r(false), 10_000);
    });
    assert.ok(dropped, 'the third connection was dropped');
    assert.ok(lines.some((l) => /at maxConnections 2: dropping new connections/.test(l)));
    await closed1; // the idle timeout, bounded by the test runner's timeout
    const m = parseMetrics(await (await fetch(`http://${daemon.adminAddress()}/metrics`)).text());
    assert.equal(
      m.get(
        `kubeha_proxy_listener_dropped_connections_total{listener="${daemon.config.listen[0]}"}`,
      ),
      1,
    );
    s2.destroy();
  } finally {
    await daemon.stop(100);
    await b.close();
  }
});

test('a reload that shortens the idle timeout applies to connections already open', async () => {
  const b = await backend('127.0.10.25', 'echo');
  const { daemon, port } = await proxyTo([b.address], { idleTimeout: '10m' });
  try {
    const s = await dial(port);
    const closed = new Promise<number>((r) => s.on('close', () => r(Date.now())));
    s.resume();
    s.write('x'); // traffic, then silence
    await new Promise((r) => setTimeout(r, 100));
    const reloadedAt = Date.now();
    await daemon.reload(validateConfig({ ...daemon.config, idleTimeout: '300ms' }));
    const after = (await closed) - reloadedAt;
    // The sweep re-arms at the new interval (75 ms): closed within timeout + 2 intervals, not 10 m.
    assert.ok(after >= 200 && after < 2000, `closed ${after} ms after the reload`);
  } finally {
    await daemon.stop(100);
    await b.close();
  }
});

test('first prefers the first healthy upstream; round_robin rotates', async () => {
  const bs = await Promise.all(['127.0.10.24', '127.0.10.25'].map((h) => backend(h, 'count')));
  const ask = async (port: number) => {
    const s = await dial(port, true);
    const r = readAll(s);
    s.end('x');
    return (await r).toString().split(' ').pop();
  };
  const first = await proxyTo(
    bs.map((b) => b.address),
    { algorithm: 'first' },
  );
  const rr = await proxyTo(
    bs.map((b) => b.address),
    { algorithm: 'round_robin' },
  );
  try {
    assert.deepEqual(
      [await ask(first.port), await ask(first.port)],
      ['127.0.10.24', '127.0.10.24'],
    );
    assert.deepEqual([await ask(rr.port), await ask(rr.port)], ['127.0.10.24', '127.0.10.25']);
    await bs[0]!.close();
    // Refused at once: retried on the next upstream, and the client never notices.
    assert.equal(await ask(first.port), '127.0.10.25');
  } finally {
    await first.daemon.stop(100);
    await rr.daemon.stop(100);
    await Promise.all(bs.map((b) => b.close()));
  }
});

test('graceful stop waits for open connections up to the timeout, then closes them; no handles leak', async () => {
  const b = await backend('127.0.10.26', 'echo');
  const { daemon, port, lines } = await proxyTo([b.address]);
  try {
    const s = await dial(port);
    s.resume();
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    assert.ok(
      await waitFor(() => (daemon.status() as { connections: number }).connections === 1, 10_000),
    );
    const t0 = Date.now();
    await daemon.stop(300);
    assert.ok(Date.now() - t0 >= 250, 'waited for the connection');
    await closed;
    assert.ok(lines.some((l) => /closed 1 connection\(s\) at the end of the drain/.test(l)));
  } finally {
    await daemon.stop(0);
    await b.close();
  }
  const tcp = () => process.getActiveResourcesInfo().filter((k) => k.startsWith('TCP'));
  await waitFor(() => tcp().length === 0, 10_000);
  const kinds = process.getActiveResourcesInfo();
  assert.ok(!kinds.includes('TCPServerWrap') && !kinds.includes('TCPSocketWrap'), kinds.join(','));
});

test('stop resolves after connections came and went (no second close() waiting for a passed event)', async () => {
  const b = await backend('127.0.10.27', 'echo');
  const { daemon, port } = await proxyTo([b.address]);
  try {
    const s = await dial(port);
    s.destroy();
    assert.ok(
      await waitFor(() => (daemon.status() as { connections: number }).connections === 0, 10_000),
    );
    await new Promise((r) => setTimeout(r, 50));
    const stopped = await Promise.race([
      daemon.stop(100).then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 3000).unref()),
    ]);
    assert.ok(stopped, 'stop() resolved');
  } finally {
    await b.close();
  }
});

test('maxTries bounds the retries; an IPv6 upstream works; failures are counted', async () => {
  const v6 = await backend('::1', 'count');
  const dead = await freePort('127.0.10.28');
  const { daemon, port } = await proxyTo(
    [`127.0.10.28:${dead}`, v6.address.replace(/^::1:/, '[::1]:')],
    {
      algorithm: 'first',
      maxTries: 1,
      passive: { maxFails: 0 },
      healthCheck: { kind: 'none' },
    },
  );
  try {
    // maxTries 1 and `first`: the dead upstream is the only try, so the client is closed.
    // Were [::1] tried too, the connection would stay open: give it 5 s to close.
    const s = await dial(port);
    const outcome = await new Promise<string>((r) => {
      const timer = setTimeout(() => r('still open after 5 s'), 5000);
      s.on('data', () => r('data from an upstream'));
      s.on('close', () => (clearTimeout(timer), r('closed')));
      s.resume();
    });
    s.destroy();
    assert.equal(outcome, 'closed');
    const st = daemon.status() as {
      failedConnections: number;
      upstreams: { connectFailures: number }[];
    };
    assert.equal(st.failedConnections, 1);
    assert.equal(st.upstreams[0]!.connectFailures, 1);
    // With every try allowed, the next upstream ([::1]) answers.
    await daemon.reload(validateConfig({ ...daemon.config, maxTries: 0 }));
    const s2 = await dial(port, true);
    const reply = readAll(s2);
    s2.end('abc');
    assert.equal((await reply).toString(), 'got 3 bytes from ::1');
  } finally {
    await daemon.stop(100);
    await v6.close();
  }
});
