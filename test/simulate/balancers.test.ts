import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { proxyConfigSchema } from '../../src/proxy/config-schema.js';
import { renderExternalHaproxy, renderKeepalived } from '../../src/render/external-lb.js';
import { renderPlan } from '../../src/render/render-plan.js';
import { checkLog, worstPhase, type Condition } from '../../src/simulate/check-timeline.js';
import {
  durationMs,
  haproxyBehaviour,
  keepalivedFailoverMs,
  KUBEHA_PROXY_DEFAULTS,
  kubehaBehaviour,
  nginxBehaviour,
  type ProxyBehaviour,
} from '../../src/simulate/proxy-behaviour.js';
import { balancerOutcome, newConnectionDelay } from '../../src/simulate/proxy-failover.js';
import { examplePlan } from './helpers.js';

/** The behaviours read from what kubeha renders for the examples' worker and LB. */
async function behaviours() {
  const plan = await examplePlan('hybrid');
  const file = (proxy: 'nginx' | 'haproxy' | 'kubeha', suffix: string) =>
    renderPlan(plan, { proxy }).find(
      (f) => f.path.startsWith('k8s-node4/') && f.path.endsWith(suffix),
    )!;
  const n = file('nginx', 'nginx.conf');
  const h = file('haproxy', 'haproxy.cfg');
  const k = file('kubeha', 'proxy.yaml');
  return {
    plan,
    kubehaYaml: k.content,
    nginx: nginxBehaviour(n.content, n.path),
    haproxy: haproxyBehaviour(h.content, h.path, 'haproxy'),
    kubeha: kubehaBehaviour(k.content, k.path),
    lb: haproxyBehaviour(
      renderExternalHaproxy(plan, 'test'),
      'external-lb/haproxy.cfg',
      'external-lb',
    ),
    keepalived: renderKeepalived(plan, 'test'),
  };
}

const down = (b: ProxyBehaviour, c: Condition) => ({
  best: checkLog(b.active!, c, 0, 600_000).downAt,
  worst: checkLog(b.active!, c, worstPhase(b.active!), 600_000).downAt,
});

test("the numbers come from the rendered files: Kubespray's nginx.conf and haproxy.cfg, kubeha's proxy.yaml and LB", async () => {
  const b = await behaviours();
  assert.equal(b.nginx.connectTimeoutMs, 1000); // proxy_connect_timeout 1s
  assert.equal(b.nginx.active, null);
  assert.deepEqual(b.nginx.passive, { maxFails: 1, failTimeoutMs: 10_000 });
  assert.equal(b.nginx.closesOnUnhealthy, false);
  const h = b.haproxy;
  assert.equal(h.active!.path, '/healthz');
  assert.equal(h.active!.intervalMs, 15_000);
  assert.equal(h.active!.fastIntervalMs, 15_000); // no fastinter: inter
  assert.deepEqual([h.active!.rise, h.active!.fall], [2, 2]);
  assert.equal(h.active!.silentTimeoutMs, 15_000); // min(timeout connect 30s, inter 15s)
  assert.equal(h.triesPerServer, 5); // retries 5, the last one redispatched
  assert.equal(h.closesOnUnhealthy, false);
  assert.equal(b.lb.active!.path, '/readyz');
  assert.equal(b.lb.active!.fastIntervalMs, 1000);
  assert.equal(b.lb.closesOnUnhealthy, true); // on-marked-down shutdown-sessions
  assert.equal(b.kubeha.active!.path, '/readyz');
  assert.equal(b.kubeha.closesOnUnhealthy, true);
  assert.equal(keepalivedFailoverMs(b.keepalived), 3609); // 3 × advert_int 1 + (256 − 100) / 256
  assert.equal(durationMs('10m'), 600_000);
  assert.equal(durationMs('15', 's'), 15_000);
});

test('the kubeha numbers are the ones `kubeha proxy` itself reads from the same file', async () => {
  const b = await behaviours();
  const cfg = proxyConfigSchema.parse(parseYaml(b.kubehaYaml));
  const a = b.kubeha.active!;
  assert.equal(a.intervalMs, cfg.healthCheck.interval);
  assert.equal(a.silentTimeoutMs, cfg.healthCheck.timeout);
  assert.equal(a.fastIntervalMs, cfg.healthCheck.edgeInterval);
  assert.equal(a.jitter, cfg.healthCheck.jitter);
  assert.deepEqual(
    [a.rise, a.fall, a.maxInFlight],
    [cfg.healthCheck.rise, cfg.healthCheck.fall, cfg.healthCheck.fall],
  );
  assert.equal(b.kubeha.connectTimeoutMs, cfg.connectTimeout);
  assert.deepEqual(b.kubeha.passive, {
    maxFails: cfg.passive.maxFails,
    failTimeoutMs: cfg.passive.failTimeout,
  });
  assert.equal(b.kubeha.unhealthyGraceMs, cfg.unhealthyGrace);
  // and the defaults the simulator assumes are still the proxy's defaults
  const d = proxyConfigSchema.parse({ upstreams: ['127.0.0.1:6443'] });
  assert.deepEqual(KUBEHA_PROXY_DEFAULTS, {
    edgeIntervalMs: d.healthCheck.edgeInterval,
    jitter: d.healthCheck.jitter,
    unhealthyGraceMs: d.unhealthyGrace,
    failoverHoldMs: d.failoverHold,
    passiveMaxFails: d.passive.maxFails,
    passiveFailTimeoutMs: d.passive.failTimeout,
    connectTimeoutMs: d.connectTimeout,
    discoveryIntervalMs: d.discovery.interval,
    discoveryDebounceMs: d.discovery.debounce,
  });
});

test('detection windows follow each schedule (best: a check right after the failure, worst: a full interval later)', async () => {
  const b = await behaviours();
  // kubeha: fail, edge re-check 200 ms later; interval 1 s + 10 % jitter
  assert.deepEqual(down(b.kubeha, 'unready'), { best: 200, worst: 1300 });
  // silent: the second check starts on the edge timer while the first waits its 1 s timeout
  assert.deepEqual(down(b.kubeha, 'silent'), { best: 1200, worst: 2300 });
  // Kubespray's HAProxy: inter 15s, fall 2
  assert.deepEqual(down(b.haproxy, 'unready'), { best: 15_000, worst: 30_000 });
  assert.deepEqual(down(b.haproxy, 'silent'), { best: 30_000, worst: 45_000 });
  // kubeha's external LB: inter 2s, fastinter 1s
  assert.deepEqual(down(b.lb, 'unready'), { best: 1000, worst: 3000 });
  assert.equal(checkLog(b.kubeha.active!, 'ok', 0, 600_000).downAt, Infinity);
});

test('measured failover (docs/proxy.md, docs/benchmarks.md) falls inside the simulated windows', async () => {
  const b = await behaviours();
  // `npm run bench -- failover`, 10 trials: unready 714 / 1107 ms, silent host 1873 / 2232 ms (median / max)
  const unready = down(b.kubeha, 'unready');
  for (const ms of [714, 1107]) assert.ok(ms >= unready.best && ms <= unready.worst, `${ms}`);
  const silent = down(b.kubeha, 'silent');
  for (const ms of [1873, 2232]) assert.ok(ms >= silent.best && ms <= silent.worst, `${ms}`);
  // the proxy suite: HAProxy stopped sending new requests to an unready server after 27.8 s
  const h = down(b.haproxy, 'unready');
  assert.ok(27_800 >= h.best && 27_800 <= h.worst);
  // … and nginx and HAProxy never closed the stream on it (not within 40 s): the model says never
  for (const x of [b.nginx, b.haproxy]) {
    assert.equal(balancerOutcome(x, ['unready', 'ok', 'ok']).worst.ms, null);
  }
  assert.equal(balancerOutcome(b.kubeha, ['unready', 'ok', 'ok']).worst.ms, 1300);
});

test('balancer outcomes: what a client whose connection was on the failed server goes through', async () => {
  const b = await behaviours();
  // a refused server: the connection is reset, the balancer connects elsewhere
  assert.equal(balancerOutcome(b.nginx, ['refused', 'ok', 'ok']).worst.ms, 0);
  assert.equal(balancerOutcome(b.kubeha, ['refused', 'ok', 'ok']).worst.ms, 0);
  // HAProxy retries the refused server 5 times, 1 s apart, before redispatching
  assert.equal(balancerOutcome(b.haproxy, ['refused', 'ok', 'ok']).worst.ms, 4000);
  // a silent host: nginx waits for client-go (45 s) and a 1 s connect timeout
  const n = balancerOutcome(b.nginx, ['silent', 'ok', 'ok']).worst;
  assert.deepEqual(n, { ms: 46_000, cause: 'client-noticed' });
  assert.equal(balancerOutcome(b.kubeha, ['silent', 'ok', 'ok']).worst.cause, 'balancer-closed');
  // two of three failed, different ways: the slowest decides
  assert.equal(balancerOutcome(b.kubeha, ['silent', 'unready', 'ok']).worst.ms, 2300);
  // a stale upstream (a removed control plane): nginx pays its connect timeout again every fail_timeout
  assert.equal(newConnectionDelay(b.nginx, ['silent', 'ok']), 1000);
  assert.equal(newConnectionDelay(b.kubeha, ['silent', 'ok']), 0);
});
