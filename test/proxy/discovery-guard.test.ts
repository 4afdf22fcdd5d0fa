import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { diffLine, judge } from '../../src/proxy/discovery-guard.js';
import {
  addressesOf,
  applyWatchEvent,
  readList,
  sliceAddresses,
} from '../../src/proxy/discovery.js';
import { formatState, parseState } from '../../src/proxy/discovery-state.js';

const CONFIGURED = ['10.0.0.1:6443'];

test('the guard: an empty list never applies, a disjoint one only when every configured upstream is unhealthy', () => {
  const base = {
    applied: ['10.0.0.2:6443'],
    configured: CONFIGURED,
    configuredAllUnhealthy: false,
  };
  assert.deepEqual(judge({ ...base, candidate: [] }), {
    apply: false,
    reason: 'empty',
    why: 'default/kubernetes lists no ready API server: keeping the last good set',
  });
  assert.deepEqual(judge({ ...base, candidate: ['10.0.0.2:6443'] }), {
    apply: false,
    reason: 'unchanged',
  });
  const disjoint = judge({ ...base, candidate: ['10.9.0.1:6443'] });
  assert.equal(disjoint.apply, false);
  assert.equal(!disjoint.apply && disjoint.reason, 'disjoint');
  assert.deepEqual(judge({ ...base, candidate: ['10.9.0.1:6443'], configuredAllUnhealthy: true }), {
    apply: true,
    added: ['10.9.0.1:6443'],
    removed: ['10.0.0.2:6443'],
  });
  assert.deepEqual(judge({ ...base, candidate: ['10.0.0.3:6443', '10.0.0.1:6443'] }), {
    apply: true,
    added: ['10.0.0.1:6443', '10.0.0.3:6443'],
    removed: ['10.0.0.2:6443'],
  });
  assert.equal(diffLine(['a:1', 'b:1'], ['c:1']), '+a:1 +b:1 \u2212c:1');
});

test('the guard, as a property: what it applies is never empty, and shares an address with the configuration unless all of it is down', () => {
  const addr = fc.constantFrom('10.0.0.1:6443', '10.0.0.2:6443', '10.0.0.3:6443', '[fd00::4]:6443');
  fc.assert(
    fc.property(
      fc.array(addr),
      fc.array(addr),
      fc.array(addr, { minLength: 1 }),
      fc.boolean(),
      (applied, candidate, configured, down) => {
        const v = judge({ applied, candidate, configured, configuredAllUnhealthy: down });
        if (!v.apply) return;
        assert.ok(candidate.length > 0);
        assert.ok(down || candidate.some((c) => configured.includes(c)));
        // the diff turns the applied set into the candidate
        const next = new Set([...applied.filter((a) => !v.removed.includes(a)), ...v.added]);
        assert.deepEqual([...next].sort(), [...new Set(candidate)].sort());
      },
    ),
  );
});

/** kube-apiserver's EndpointSlice for default/kubernetes (pkg/controlplane/reconcilers). */
const slice = (endpoints: object[], ports = [{ name: 'https', port: 6443, protocol: 'TCP' }]) => ({
  kind: 'EndpointSlice',
  apiVersion: 'discovery.k8s.io/v1',
  metadata: { name: 'kubernetes', namespace: 'default', resourceVersion: '7' },
  addressType: 'IPv4',
  endpoints,
  ports,
});

test('EndpointSlices: ready endpoints only (a missing ready condition is ready), the https port only', () => {
  const s = slice([
    { addresses: ['192.168.10.11'], conditions: { ready: true } },
    { addresses: ['192.168.10.12'], conditions: {} },
    { addresses: ['192.168.10.13'], conditions: { ready: false } },
    { addresses: ['192.168.10.14'] },
  ]);
  assert.deepEqual(sliceAddresses(s), [
    '192.168.10.11:6443',
    '192.168.10.12:6443',
    '192.168.10.14:6443',
  ]);
  assert.deepEqual(
    sliceAddresses(
      slice([{ addresses: ['10.0.0.1'] }], [{ name: 'metrics', port: 1, protocol: 'TCP' }]),
    ),
    [],
  );
  assert.deepEqual(
    sliceAddresses({ ...slice([{ addresses: ['kube.example'] }]), addressType: 'FQDN' }),
    [],
  );
  const v6 = { ...slice([{ addresses: ['fd00::11'] }]), addressType: 'IPv6' };
  assert.deepEqual(addressesOf([s, v6]), [
    '192.168.10.11:6443',
    '192.168.10.12:6443',
    '192.168.10.14:6443',
    '[fd00::11]:6443',
  ]);
});

test('list and watch events: items get their kind, DELETED removes, BOOKMARK moves only the resourceVersion, 410 asks for a list', () => {
  const { objects, resourceVersion } = readList(
    {
      kind: 'EndpointSliceList',
      metadata: { resourceVersion: '100' },
      items: [slice([{ addresses: ['10.0.0.1'] }])],
    },
    'EndpointSlice',
  );
  assert.equal(resourceVersion, '100');
  assert.deepEqual(addressesOf(objects.values()), ['10.0.0.1:6443']);
  const second = {
    ...slice([{ addresses: ['10.0.0.2'] }]),
    metadata: { name: 'kubernetes-2', resourceVersion: '101' },
  };
  assert.deepEqual(applyWatchEvent(objects, { type: 'ADDED', object: second }), {
    kind: 'changed',
    resourceVersion: '101',
  });
  assert.deepEqual(addressesOf(objects.values()), ['10.0.0.1:6443', '10.0.0.2:6443']);
  assert.deepEqual(
    applyWatchEvent(objects, {
      type: 'BOOKMARK',
      object: { kind: 'EndpointSlice', metadata: { resourceVersion: '150' } },
    }),
    { kind: 'bookmark', resourceVersion: '150' },
  );
  assert.equal(objects.size, 2);
  assert.deepEqual(
    applyWatchEvent(objects, {
      type: 'DELETED',
      object: { ...second, metadata: { name: 'kubernetes-2', resourceVersion: '151' } },
    }),
    {
      kind: 'changed',
      resourceVersion: '151',
    },
  );
  assert.deepEqual(addressesOf(objects.values()), ['10.0.0.1:6443']);
  assert.equal(
    applyWatchEvent(objects, {
      type: 'ERROR',
      object: {
        kind: 'Status',
        code: 410,
        reason: 'Expired',
        message: 'too old resource version: 1 (150)',
      },
    }).kind,
    'expired',
  );
  assert.equal(
    applyWatchEvent(objects, { type: 'ERROR', object: { kind: 'Status', code: 500, message: 'x' } })
      .kind,
    'error',
  );
  assert.throws(() => readList({ kind: 'Status' }, 'EndpointSlice'), /no items/);
});

test('the state file: what is written reads back; anything else is refused with the reason', () => {
  const text = formatState(['10.0.0.2:6443', '[fd00::1]:6443', '10.0.0.1:6443'], new Date(0));
  assert.deepEqual(parseState(text), {
    ok: true,
    upstreams: ['10.0.0.1:6443', '10.0.0.2:6443', '[fd00::1]:6443'],
    savedAt: '1970-01-01T00:00:00.000Z',
  });
  for (const [bad, why] of [
    ['{"format":"kubeha.discovery/v1","upstr', /not JSON/],
    ['{"format":"other","upstreams":["a:1"]}', /format is not/],
    ['{"format":"kubeha.discovery/v1","upstreams":[]}', /non-empty list/],
    ['{"format":"kubeha.discovery/v1","upstreams":["10.0.0.1"]}', /upstream "10.0.0.1"/],
    ['{"format":"kubeha.discovery/v1","upstreams":[7]}', /upstream 7/],
    ['', /not JSON/],
  ] as const) {
    const r = parseState(bad);
    assert.ok(!r.ok && !r.missing, bad);
    assert.match(!r.ok && !r.missing ? r.why : '', why, bad);
  }
});
