/** The demo's pure parts: the planned proxy config on loopback, the proxy's actions, the verdict. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { loopbackProxyConfig, planDemo } from '../../src/lab/demo-plan.js';
import { actionOf } from '../../src/lab/demo-observer.js';
import { formatSummary, judge, totals, type DemoSummary } from '../../src/lab/demo-summary.js';
import { requestStats, type StepResult } from '../../src/lab/demo-story.js';
import { validateConfig } from '../../src/proxy/config.js';

const placement = {
  listen: '127.0.0.1:16443',
  admin: '127.0.0.1:18081',
  upstreams: ['127.0.10.11:40001', '127.0.10.12:40002', '127.0.10.13:40003'],
  caFile: '/tmp/x/ca.crt',
  clientPem: '/tmp/x/kubelet-client-current.pem',
};

test("the demo runs k8s-node4's planned proxy.yaml, moved onto loopback and otherwise unchanged", async () => {
  const p = await planDemo();
  assert.equal(p.host.name, 'k8s-node4');
  assert.deepEqual(p.upstreams, [
    { node: 'k8s-node1', planned: '192.168.10.11:6443' },
    { node: 'k8s-node2', planned: '192.168.10.12:6443' },
    { node: 'k8s-node3', planned: '192.168.10.13:6443' },
  ]);
  const planned = parse(p.renderedConfig) as Record<string, unknown>;
  const moved = parse(loopbackProxyConfig(p.renderedConfig, placement)) as Record<string, unknown>;
  assert.deepEqual(moved.listen, [placement.listen]);
  assert.equal(moved.admin, placement.admin);
  assert.deepEqual(moved.upstreams, placement.upstreams);
  assert.equal(moved.bindRetry, '0s');
  const hc = moved.healthCheck as Record<string, unknown>;
  assert.equal(hc.caFile, placement.caFile);
  assert.equal(hc.certFile, placement.clientPem);
  assert.equal(hc.keyFile, placement.clientPem);
  // everything else as planned
  for (const k of ['algorithm', 'connectTimeout', 'idleTimeout', 'discovery'])
    assert.deepEqual(moved[k], planned[k], k);
  for (const k of ['kind', 'path', 'interval', 'timeout', 'rise', 'fall'])
    assert.deepEqual(hc[k], (planned.healthCheck as Record<string, unknown>)[k], k);
  // and the proxy takes it
  const cfg = validateConfig(moved);
  assert.equal(cfg.healthCheck.interval, 1000);
  assert.throws(
    () => loopbackProxyConfig(p.renderedConfig, { ...placement, upstreams: ['127.0.10.11:1'] }),
    /the plan names 3 API servers, the lab runs 1/,
  );
});

test("the proxy's log lines the demo shows as actions", () => {
  const line = (msg: string, level = 30) => ({ time: '2026-01-01T00:00:01.000Z', level, msg });
  assert.deepEqual(actionOf(line('upstream 127.0.10.11:1 healthy -> unhealthy: ECONNREFUSED')), {
    at: Date.parse('2026-01-01T00:00:01.000Z'),
    text: 'upstream 127.0.10.11:1 healthy -> unhealthy: ECONNREFUSED',
    kind: 'health',
  });
  assert.equal(
    actionOf(
      line('closed 3 connection(s) to unhealthy upstream 127.0.10.12:2 so clients reconnect'),
    )?.kind,
    'closed',
  );
  assert.equal(actionOf(line('panic mode over: healthy upstreams available again'))?.kind, 'panic');
  assert.equal(actionOf(line('upstream 127.0.10.11:1 added')), undefined);
  assert.equal(actionOf(line('something broke', 50))?.kind, 'other');
});

function step(n: number, over: Partial<StepResult> = {}): StepResult {
  return {
    n,
    title: `step ${n}`,
    label: `step ${n}`,
    startedAt: 0,
    durationMs: 3000,
    detections: [],
    watch: { before: 'k8s-node1', after: 'k8s-node1', brokeAfterMs: null, movedAfterMs: null },
    requests: requestStats(
      [],
      (a) => a ?? '?',
      () => true,
    ),
    panicMs: 0,
    actions: [],
    ...over,
  };
}

test('requests that failed while a healthy upstream existed are told apart', () => {
  const r = requestStats(
    [
      { at: 0, latencyMs: 5, ok: true, server: 'a', retried: false },
      { at: 10, latencyMs: 2000, ok: true, server: 'b', retried: true },
      { at: 20, latencyMs: 1, ok: false, retried: false, error: 'ECONNRESET' },
      { at: 5000, latencyMs: 1, ok: false, retried: false, error: 'ECONNRESET' },
    ],
    (a) => (a === 'a' ? 'k8s-node1' : 'k8s-node2'),
    (at) => at < 1000,
  );
  assert.deepEqual(
    { ...r },
    {
      total: 4,
      failed: 2,
      failedWhileHealthy: 1,
      retried: 1,
      slowestMs: 2000,
      byNode: { 'k8s-node1': 1, 'k8s-node2': 1 },
      errors: ['ECONNRESET'],
    },
  );
});

test('the verdict names what the story failed to show, and the table is headed Summary', () => {
  const good = [
    step(1),
    step(2, {
      detections: [{ node: 'k8s-node1', to: 'unhealthy', afterMs: 50, reason: 'ECONNREFUSED' }],
      watch: { before: 'k8s-node1', after: 'k8s-node2', brokeAfterMs: 10, movedAfterMs: 900 },
    }),
  ];
  assert.deepEqual(judge(good), []);
  const bad = [
    step(2, {
      detections: [{ node: 'k8s-node1', to: 'unhealthy', afterMs: null }],
      watch: { before: 'k8s-node1', after: 'k8s-node1', brokeAfterMs: 10, movedAfterMs: null },
      requests: { ...step(2).requests, failed: 2, failedWhileHealthy: 2, errors: ['ECONNRESET'] },
    }),
  ];
  assert.deepEqual(judge(bad), [
    'step 2: kubeha never marked k8s-node1 unhealthy',
    'step 2: 2 request(s) failed while kubeha had a healthy API server (ECONNRESET)',
    'step 2: the watch broke and did not come back elsewhere',
  ]);
  const summary = {
    ok: true,
    problems: [],
    durationMs: 21_000,
    steps: good,
    totals: totals(good, 40, 1),
  } as unknown as DemoSummary;
  const text = formatSummary(summary);
  const lines = text.split('\n');
  assert.equal(lines[0], 'Summary');
  assert.match(lines[1]!, /^#\s+step\s+kubeha noticed\s+kubelet's watch\s+requests/);
  assert.match(text, /k8s-node1 out 0\.1 s/);
  assert.match(text, /k8s-node1 -> k8s-node2 0\.9 s/);
  assert.match(text, /40 events, 1 restarts/);
  assert.match(text, /21\.0 s in all/);
});
