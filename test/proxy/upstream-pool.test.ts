import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { UpstreamPool } from '../../src/proxy/upstream-pool.js';
import type { ProxiedConnection } from '../../src/proxy/upstream.js';

const SETTINGS = {
  algorithm: 'least_conn' as const,
  activeChecks: true,
  thresholds: { rise: 2, fall: 2 },
  passive: { maxFails: 1, failTimeoutMs: 10_000 },
  unhealthyGraceMs: 0,
  failoverHoldMs: 0,
  drainTimeoutMs: 60_000,
};

test('an upstream removed while it has connections and then re-added gets its checks back', () => {
  const added: string[] = [];
  const removed: string[] = [];
  const pool = new UpstreamPool(SETTINGS, pino({ level: 'silent' }), {
    added: (u) => added.push(u.key),
    removed: (u) => removed.push(u.key),
  });
  pool.configure(['127.0.10.61:6443', '127.0.10.62:6443'], SETTINGS);
  const b = pool.upstreams[1]!;
  b.conns.add({ close() {} } as unknown as ProxiedConnection); // keeps it draining, not gone
  pool.configure(['127.0.10.61:6443'], SETTINGS);
  assert.ok(b.draining);
  assert.deepEqual(removed, ['127.0.10.62:6443']);
  pool.configure(['127.0.10.61:6443', '127.0.10.62:6443'], SETTINGS);
  assert.ok(!b.draining);
  assert.deepEqual(added, ['127.0.10.61:6443', '127.0.10.62:6443', '127.0.10.62:6443']);
  pool.stop();
});
