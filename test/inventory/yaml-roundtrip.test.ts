import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AnsibleFloat } from '../../src/inventory/ansible-float.js';
import { AnsibleUnsafe, PyDate } from '../../src/inventory/ansible-scalars.js';
import {
  addChild,
  addGroup,
  addHost,
  emptyInventory,
  reconcile,
  setVar,
} from '../../src/inventory/builder.js';
import {
  hostOutput,
  listInventoryJson,
  listInventoryYaml,
} from '../../src/inventory/ansible-output.js';
import { encodeKey, type PyKey } from '../../src/inventory/py-key.js';
import type { AnsibleValue, Inventory } from '../../src/inventory/types.js';
import { compareWithPyYaml, pyyamlPython } from '../helpers/pyyaml.js';

/**
 * Property: for random inventories, kubeha's `--list -y` output, read back by
 * PyYAML, is the same inventory as its `--list` JSON — every group's hosts and
 * children, every host's variables with their types (a quoted "no" stays a string,
 * a date stays a date) — and `--host H -y` holds the same data as `--host H`.
 * Values are drawn from strings YAML 1.1 would re-type, arbitrary Unicode, long
 * text that gets folded, numbers, dates, nested lists and maps with keys of every
 * type, and values shared between hosts (which -y writes as anchors and aliases).
 */
const TRICKY = [
  'no',
  'No',
  'NO',
  'yes',
  'Yes',
  'on',
  'off',
  'On',
  'true',
  'False',
  'y',
  'n',
  'null',
  'Null',
  '~',
  '',
  '12:30',
  '1:30.5',
  '2024-01-01',
  '2024-01-01 10:00:00',
  '2024-1-1 1:00:00Z',
  '1e3',
  '1.5',
  '.5',
  '6443',
  '0755',
  '0x1F',
  '0b101',
  '1_000',
  '+1',
  '-0',
  '.inf',
  '-.Inf',
  '.nan',
  '=',
  '<<',
  '-',
  '- x',
  '? x',
  ':',
  'a: b',
  'a:b',
  '#x',
  'a #x',
  'a#x',
  ' lead',
  'trail ',
  '!x',
  '&x',
  '*x',
  '|',
  '>',
  "'q'",
  '"q"',
  '%x',
  '@x',
  '`x`',
  '---',
  '...',
  '[a]',
  '{a: 1}',
  'a, b',
  'tab\there',
  'line\nbreak',
  'end\n',
  '\n',
  'cr\rx',
  'nel\u0085x',
  'ls\u2028x',
  '\ufeffbom',
  'bell\x07',
  'nul\x00x',
  'C:\\dir',
  'Grüße',
  '日本語',
  'go 🚀',
  'a\u00a0b',
  'a  b',
];

const noLoneSurrogate = (s: string) =>
  !/[\uD800-\uDFFF]/.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''));

const words = fc.array(
  fc.constantFrom('alpha', 'beta', 'no', 'on', 'x:', '#', '-', 'y', ' ', 'zz'),
  {
    minLength: 10,
    maxLength: 40,
  },
);

const text: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }).filter(noLoneSurrogate) },
  { weight: 1, arbitrary: words.map((w) => w.join(' ')) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...TRICKY), words).map(([t, w]) => `${t} ${w.join(' ')}`),
  },
);

const date: fc.Arbitrary<PyDate> = fc
  .record({
    y: fc.integer({ min: 1, max: 9999 }),
    m: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 28 }),
    time: fc.option(
      fc.record({
        hour: fc.integer({ min: 0, max: 23 }),
        minute: fc.integer({ min: 0, max: 59 }),
        second: fc.integer({ min: 0, max: 59 }),
        micro: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 999_999 })),
        tz: fc.option(fc.integer({ min: -23 * 60, max: 23 * 60 }), { nil: undefined }),
      }),
      { nil: undefined },
    ),
  })
  .map(({ y, m, d, time }) => new PyDate(y, m, d, time));

const scalar: fc.Arbitrary<AnsibleValue> = fc.oneof(
  { weight: 5, arbitrary: text },
  { weight: 2, arbitrary: fc.integer({ min: -2_000_000, max: 2_000_000 }) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.double({ noNaN: true }).map((x) => new AnsibleFloat(x)) },
  { weight: 1, arbitrary: date },
  { weight: 1, arbitrary: text.map((t) => new AnsibleUnsafe(t)) },
);

/** Keys of every hashable type; string keys start with a letter so that none reads like a number. */
const key: fc.Arbitrary<PyKey> = fc.oneof(
  { weight: 4, arbitrary: text.map((t) => `k${t}`) },
  { weight: 1, arbitrary: fc.integer({ min: -100, max: 100 }) },
  {
    weight: 1,
    arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => new AnsibleFloat(x)),
  },
  { weight: 1, arbitrary: fc.constantFrom<PyKey>(true, false, null) },
);

/** Keys Python's dict treats as the same (hash and ==): bools are ints, integral floats are ints. */
function pythonKeyIdentity(k: PyKey): string {
  if (k === true || k === false) return `n:${Number(k)}`;
  if (typeof k === 'number') return `n:${k}`;
  if (k instanceof AnsibleFloat) return `n:${k.value === 0 ? 0 : k.value}`;
  return typeof k === 'string' ? `s:${k}` : `o:${String(k)}`;
}

const { value } = fc.letrec<{ value: AnsibleValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: scalar },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }) },
    {
      weight: 1,
      arbitrary: fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map((pairs) => {
        const out: Record<string, AnsibleValue> = {};
        const seen = new Set<string>();
        for (const [k, v] of pairs) {
          // A Python dict cannot hold both True and 1 (or False, 0 and 0.0): they are one key.
          if (seen.has(pythonKeyIdentity(k))) continue;
          seen.add(pythonKeyIdentity(k));
          out[encodeKey(k)] = v;
        }
        return out;
      }),
    },
  ),
}));

const name = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9_.-]{0,8}$/),
  fc.constantFrom('yes', 'no', '1234', '2024-01-01', 'null', 'on', '10.0.0.1', 'x:y'),
);

/** Variable names: mostly strings, sometimes an integer (Ansible keeps it). */
const varName: fc.Arbitrary<PyKey> = fc.oneof(
  { weight: 6, arbitrary: text.map((t) => `v${t}`) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 9 }) },
);

const vars = (shared: AnsibleValue[]) =>
  fc.array(
    fc.tuple(
      varName,
      fc.oneof(
        { weight: 3, arbitrary: value },
        { weight: 1, arbitrary: fc.nat({ max: shared.length - 1 }).map((i) => shared[i]!) },
      ),
    ),
    { maxLength: 4 },
  );

interface Model {
  inv: Inventory;
  hosts: string[];
}

const model: fc.Arbitrary<Model> = fc
  .tuple(
    fc.uniqueArray(name, { minLength: 1, maxLength: 5 }),
    fc.uniqueArray(name, { minLength: 1, maxLength: 6 }),
    fc.array(value, { minLength: 1, maxLength: 3 }),
  )
  .chain(([groups, hosts, shared]) =>
    fc.record({
      groups: fc.constant(
        groups.filter((g) => g !== 'all' && g !== 'ungrouped').map((g) => `g_${g}`),
      ),
      hosts: fc.constant(hosts),
      groupVars: fc.array(vars(shared), { minLength: groups.length, maxLength: groups.length }),
      hostVars: fc.array(vars(shared), { minLength: hosts.length, maxLength: hosts.length }),
      membership: fc.array(fc.nat(groups.length), {
        minLength: hosts.length,
        maxLength: hosts.length,
      }),
      links: fc.array(fc.tuple(fc.nat(groups.length), fc.nat(groups.length)), { maxLength: 4 }),
    }),
  )
  .map((m) => {
    const inv = emptyInventory();
    m.groups.forEach((g, i) => {
      addGroup(inv, g);
      for (const [k, v] of m.groupVars[i] ?? []) setVar(inv.groups.get(g)!, encodeKey(k), v);
    });
    // a child always comes before its parent, so there is no loop
    for (const [a, b] of m.links) {
      const [child, parent] = [Math.min(a, b), Math.max(a, b)];
      if (child !== parent && parent < m.groups.length)
        addChild(inv, m.groups[parent]!, m.groups[child]!);
    }
    m.hosts.forEach((h, i) => {
      const g = m.groups[m.membership[i]!];
      const host = addHost(inv, h, g);
      for (const [k, v] of m.hostVars[i]!) setVar(host, encodeKey(k), v);
    });
    reconcile(inv);
    return { inv, hosts: m.hosts };
  });

test('--list -y read back by PyYAML is the same inventory as --list (random inventories)', async (t) => {
  if (!(await pyyamlPython())) {
    console.error('\n!!! no python3 with PyYAML: the YAML round-trip property is SKIPPED !!!\n');
    t.skip('python3 with PyYAML not installed');
    return;
  }
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(model, async ({ inv, hosts }) => {
      const yaml = listInventoryYaml(inv);
      const json = listInventoryJson(inv).text;
      const host = hosts[0]!;
      const diffs = await compareWithPyYaml([
        { kind: 'nested', yaml, json },
        {
          kind: 'json',
          yaml: hostOutput(inv, host, true).text,
          json: hostOutput(inv, host, false).text,
        },
      ]);
      checked++;
      assert.deepEqual(diffs, ['', ''], `--list -y:\n${yaml}\n--list:\n${json}`);
    }),
    { numRuns: 300 },
  );
  assert.equal(checked >= 300, true);
});
