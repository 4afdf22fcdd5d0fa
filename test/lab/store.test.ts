import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LabStore, type WatchEvent } from '../../src/lab/store.js';
import { resourceByKind } from '../../src/lab/resources.js';
import { parseFieldSelector, parseLabelSelector, type LabObject } from '../../src/lab/selectors.js';

const CM = resourceByKind('ConfigMap');
const all = { match: () => true };
const cm = (name: string, labels: Record<string, string> = {}, data = {}): LabObject => ({
  metadata: { name, namespace: 'kube-system', labels },
  data,
});

test('writes take the next resourceVersion; an identical write is no event', () => {
  const store = new LabStore({ firstRv: 10 });
  const a = store.put(CM, cm('a'));
  assert.equal(a.metadata.resourceVersion, '11');
  assert.equal(a.kind, 'ConfigMap');
  assert.equal(a.apiVersion, 'v1');
  assert.match(String(a.metadata.uid), /^[0-9a-f-]{36}$/);
  assert.equal(store.put(CM, cm('a')), a, 'same content, same object');
  assert.equal(store.resourceVersion, 11);
  const a2 = store.put(CM, cm('a', {}, { x: '1' }));
  assert.equal(a2.metadata.resourceVersion, '12');
  assert.equal(a2.metadata.uid, a.metadata.uid, 'uid kept across updates');
  assert.equal(a2.metadata.creationTimestamp, a.metadata.creationTimestamp);
  assert.equal(store.delete(CM, 'kube-system', 'a'), true);
  assert.equal(store.delete(CM, 'kube-system', 'a'), false);
  assert.equal(store.get(CM, 'kube-system', 'a'), undefined);
  assert.deepEqual(
    store.eventsSince(CM, 10, all)!.map((e) => [e.type, e.object.metadata.resourceVersion]),
    [
      ['ADDED', '11'],
      ['MODIFIED', '12'],
      ['DELETED', '13'],
    ],
  );
});

test('a watcher sees objects enter and leave its selector as ADDED and DELETED', () => {
  const store = new LabStore();
  const seen: [string, string][] = [];
  const filter = { namespace: 'kube-system', match: parseLabelSelector('tier=control-plane') };
  const stop = store.subscribe(CM, filter, (e: WatchEvent) =>
    seen.push([e.type, e.object.metadata.name]),
  );
  store.put(CM, cm('x', { tier: 'node' }));
  store.put(CM, cm('x', { tier: 'control-plane' }));
  store.put(CM, cm('x', { tier: 'control-plane' }, { k: 'v' }));
  store.put(CM, cm('x', { tier: 'node' }));
  store.put(CM, {
    ...cm('y', { tier: 'control-plane' }),
    metadata: { name: 'y', namespace: 'default', labels: { tier: 'control-plane' } },
  });
  stop();
  store.put(CM, cm('z', { tier: 'control-plane' }));
  assert.deepEqual(seen, [
    ['ADDED', 'x'],
    ['MODIFIED', 'x'],
    ['DELETED', 'x'],
  ]);
});

test('history is bounded: a resourceVersion older than it is gone', () => {
  const store = new LabStore({ historyLimit: 3, firstRv: 0 });
  for (let i = 0; i < 5; i++) store.put(CM, cm('a', {}, { i: String(i) }));
  assert.equal(store.oldestResourceVersion, 2);
  assert.equal(store.eventsSince(CM, 1, all), null);
  assert.deepEqual(
    store.eventsSince(CM, 2, all)!.map((e) => e.object.metadata.resourceVersion),
    ['3', '4', '5'],
  );
});

test('label selectors: equality, sets, existence; field selectors on supported fields', () => {
  const o = cm('a', { app: 'x', tier: 'cp' });
  const yes = [
    'app=x',
    'app==x',
    'app!=y',
    'app in (x,y)',
    'tier notin (a, b)',
    'app',
    '!missing',
    'app=x,tier=cp',
    'missing notin (x)',
  ];
  const no = ['app=y', 'app in (y)', 'missing in (x)', '!app', 'app=x,tier=no'];
  for (const s of yes) assert.equal(parseLabelSelector(s)(o), true, s);
  for (const s of no) assert.equal(parseLabelSelector(s)(o), false, s);
  assert.throws(() => parseLabelSelector('a b c'), /unable to parse/);
  const pod: LabObject = {
    metadata: { name: 'p', namespace: 'n' },
    spec: { nodeName: 'k8s-node4' },
  };
  assert.equal(parseFieldSelector('spec.nodeName=k8s-node4', 'Pod')(pod), true);
  assert.equal(parseFieldSelector('metadata.name!=p', 'Pod')(pod), false);
  assert.throws(
    () => parseFieldSelector('spec.nodeName=x', 'ConfigMap'),
    /field label not supported: spec.nodeName/,
  );
});
