/**
 * A hanging lab server is silent on connections it already had, too: requests
 * sent on a kept-alive TLS connection after hang() get no answer, and resume()
 * drops them (the demo's "node2 hangs" step relies on this).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:https';
import { startLabCluster } from '../../src/lab/cluster.js';

test('hang(): an established keep-alive connection gets no answer; resume() drops what was held', async () => {
  const lab = await startLabCluster({ hosts: ['127.0.10.15'] });
  const s = lab.servers[0]!;
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: lab.ca.cert });
  const get = (timeoutMs: number) =>
    new Promise<string>((resolve) => {
      const req = request({ host: s.host, port: s.port, path: '/version', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(`HTTP ${res.statusCode}`));
      });
      req.setTimeout(timeoutMs, () => resolve('no answer'));
      req.on('error', (err) => resolve(err.message));
      req.end();
    });
  try {
    assert.equal(await get(3000), 'HTTP 200');
    assert.equal(s.stats().acceptedTotal, 1);
    s.hang();
    const held = get(10_000);
    const pending = await Promise.race([
      held,
      new Promise<string>((r) => setTimeout(() => r('pending'), 500)),
    ]);
    assert.equal(pending, 'pending', 'no answer on the established connection');
    assert.equal(s.stats().acceptedTotal, 1, 'the same connection');
    await s.resume();
    assert.match(await held, /socket hang up|ECONNRESET/);
    assert.equal(await get(3000), 'HTTP 200');
  } finally {
    agent.destroy();
    await lab.close();
  }
});
