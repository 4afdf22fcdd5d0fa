import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { httpsGet, openWatch, waitFor } from '../lab/tls-client.js';
import { validateConfig } from '../../src/proxy/config.js';
import { KubehaError } from '../../src/shared/errors.js';
import { boundPort, settled, startRig } from './helpers.js';

test('reload: added upstreams join, removed ones drain, established connections survive', async () => {
  const rig = await startRig({ drainTimeout: '600ms' });
  const [a, b, c] = rig.upstreams as [string, string, string];
  const via = { host: '127.0.0.1', port: rig.port, ca: rig.lab.ca.cert };
  try {
    await rig.daemon.reload(validateConfig({ ...rig.daemon.config, upstreams: [a, b] }));
    await settled(rig);
    const wa = await openWatch(via);
    const wb = await openWatch(via);
    assert.deepEqual([wa.servedBy, wb.servedBy].sort(), [a, b]);
    const onA = wa.servedBy === a ? wa : wb;
    const onB = wa.servedBy === a ? wb : wa;

    await rig.daemon.reload(validateConfig({ ...rig.daemon.config, upstreams: [b, c] }));
    const drainingA = rig.daemon.pool.upstreams.find((u) => u.key === a);
    assert.equal(drainingA?.draining, true, 'removed upstream drains');
    assert.ok(onA.isOpen() && onB.isOpen(), 'no established connection dropped by the reload');
    await settled(rig);
    for (let i = 0; i < 4; i++) {
      const r = await httpsGet({ ...via, path: '/version' });
      assert.notEqual(
        r.headers['x-kubeha-lab-server'],
        a,
        'no new connection to a removed upstream',
      );
    }
    await onA.closed; // the drain timeout (bounded by the test timeout)
    assert.ok(onB.isOpen(), 'connections to kept upstreams are untouched');
    assert.ok(
      rig.logs.some((l) => l.msg === `upstream ${a} drain timeout: closed 1 connection(s)`),
    );
    assert.ok(await waitFor(() => !rig.daemon.pool.upstreams.some((u) => u.key === a), 10_000));
    onB.stop();
  } finally {
    await rig.close();
  }
});

test('reload: listeners change without dropping established connections', async () => {
  const rig = await startRig();
  try {
    await settled(rig);
    const w = await openWatch({ host: '127.0.0.1', port: rig.port, ca: rig.lab.ca.cert });
    // Another address, so the new listener is not the old one (both bind port 0).
    await rig.daemon.reload(validateConfig({ ...rig.daemon.config, listen: ['127.0.0.2:0'] }));
    const newPort = boundPort(rig.daemon.listenAddresses()[0]);
    await assert.rejects(
      httpsGet({ host: '127.0.0.1', port: rig.port, path: '/version', ca: rig.lab.ca.cert }),
      /ECONNREFUSED/,
    );
    const r = await httpsGet({
      host: '127.0.0.2',
      port: newPort,
      path: '/version',
      ca: rig.lab.ca.cert,
    });
    assert.equal(r.status, 200);
    const before = w.events.length;
    assert.ok(
      await waitFor(() => w.events.length > before + 2, 10_000),
      'the old listener’s stream still flows',
    );
    assert.ok(w.isOpen());
    w.stop();
  } finally {
    await rig.close();
  }
});

test('an invalid reload is rejected and the running configuration keeps serving', async () => {
  const rig = await startRig();
  const blocker = createServer();
  try {
    await settled(rig);
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const busy = (blocker.address() as { port: number }).port;
    const cfg = rig.daemon.config;
    await assert.rejects(
      rig.daemon.reload(
        validateConfig({
          ...cfg,
          listen: [...cfg.listen, `127.0.0.1:${busy}`],
          upstreams: [rig.upstreams[0]!],
        }),
      ),
      (err: unknown) => err instanceof KubehaError && err.code === 'E_LISTEN',
    );
    await assert.rejects(
      rig.daemon.reload(
        validateConfig({
          ...cfg,
          upstreams: [rig.upstreams[0]!],
          // a missing file is waited for; one that cannot be read is an error
          healthCheck: { ...cfg.healthCheck, caFile: tmpdir() },
        }),
      ),
      (err: unknown) =>
        err instanceof KubehaError &&
        err.code === 'E_CONFIG_FILE' &&
        /healthCheck\.caFile/.test(err.message),
    );
    assert.deepEqual(
      rig.daemon.config.upstreams,
      rig.upstreams,
      'old configuration still in force',
    );
    assert.equal(rig.daemon.pool.upstreams.length, 3);
    const r = await httpsGet({
      host: '127.0.0.1',
      port: rig.port,
      path: '/version',
      ca: rig.lab.ca.cert,
    });
    assert.equal(r.status, 200);
  } finally {
    blocker.close();
    await rig.close();
  }
});

test('reload: a new tcpKeepAlive reaches listeners bound before the reload', async () => {
  const rig = await startRig({ tcpKeepAlive: '30s' });
  try {
    await rig.daemon.reload(validateConfig({ ...rig.daemon.config, tcpKeepAlive: '7s' }));
    const s = await new Promise<ReturnType<typeof connect>>((resolve, reject) => {
      const c = connect(rig.port, '127.0.0.1', () => resolve(c));
      c.on('error', reject);
    });
    // The proxy's side of the client connection: ss shows its keepalive timer.
    let line = '';
    const ok = await waitFor(() => {
      line = execFileSync('ss', ['-tnoH', 'state', 'established', `( sport = :${rig.port} )`], {
        encoding: 'utf8',
      });
      return /timer:\(keepalive,/.test(line);
    }, 2000);
    s.destroy();
    assert.ok(ok, line);
    const seconds = Number(/timer:\(keepalive,([\d.]+)(m?)s/.exec(line)?.[1]);
    assert.ok(seconds > 5 && seconds <= 7, `keepalive timer ${line.trim()}`);
  } finally {
    await rig.close();
  }
});
