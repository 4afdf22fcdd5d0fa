import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KubehaError } from '../../src/shared/errors.js';
import { DiagnosticBag } from '../../src/shared/diagnostics.js';
import { emptyInventory, reconcile } from '../../src/inventory/builder.js';
import { parseIni } from '../../src/inventory/ini-parser.js';
import { parseYamlInventory } from '../../src/inventory/yaml-inventory.js';
import { loadAnsibleData } from '../../src/inventory/yaml-load.js';
import {
  graphInventory,
  listInventory,
  listInventoryJson,
  listInventoryYaml,
} from '../../src/inventory/ansible-output.js';
import { ANSIBLE_UNPARSED_DEFAULTS, loadInventory } from '../../src/inventory/load.js';
import { pythonJson } from '../../src/inventory/python-json.js';
import { parsePythonLiteral } from '../../src/inventory/python-literal.js';
import { pythonFloatRepr } from '../../src/inventory/ansible-float.js';
import type { Inventory } from '../../src/inventory/types.js';

/** A random inventory model: groups in order, children only pointing at earlier groups. */
interface Model {
  groups: {
    name: string;
    hosts: { name: string; vars: [string, Value][] }[];
    children: number[];
    vars: [string, Value][];
  }[];
}
type Value = { kind: 'int'; v: number } | { kind: 'bool'; v: boolean } | { kind: 'str'; v: string };

const ident = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/);
const value: fc.Arbitrary<Value> = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }).map((v) => ({ kind: 'int' as const, v })),
  fc.boolean().map((v) => ({ kind: 'bool' as const, v })),
  // strings that neither YAML nor Python would read as another type
  fc.stringMatching(/^[a-z][a-z0-9 ._/-]{0,12}[a-z0-9]$/).map((v) => ({ kind: 'str' as const, v })),
);
const vars = fc.uniqueArray(
  fc.tuple(
    ident.map((k) => `v_${k}`),
    value,
  ),
  { selector: ([k]) => k, maxLength: 4 },
);

const model: fc.Arbitrary<Model> = fc
  .uniqueArray(
    ident.map((n) => `g_${n}`),
    { minLength: 1, maxLength: 6 },
  )
  .chain((names) =>
    fc.record({
      groups: fc.tuple(
        ...names.map((name, i) =>
          fc.record({
            name: fc.constant(name),
            hosts: fc.uniqueArray(fc.record({ name: ident.map((h) => `h_${h}`), vars }), {
              selector: (h) => h.name,
              maxLength: 3,
            }),
            children:
              i === 0
                ? fc.constant<number[]>([])
                : fc.uniqueArray(fc.nat({ max: i - 1 }), { maxLength: 2 }),
            vars,
          }),
        ),
      ),
    }),
  );

function iniValue(v: Value): string {
  if (v.kind === 'int') return String(v.v);
  if (v.kind === 'bool') return v.v ? 'True' : 'False';
  return `"${v.v}"`;
}

function toIni(m: Model): string {
  const out: string[] = [];
  for (const g of m.groups) {
    out.push(`[${g.name}]`);
    for (const h of g.hosts)
      out.push([h.name, ...h.vars.map(([k, v]) => `${k}=${iniValue(v)}`)].join(' '));
  }
  for (const g of m.groups) {
    if (g.children.length)
      out.push(`[${g.name}:children]`, ...g.children.map((c) => m.groups[c]!.name));
  }
  for (const g of m.groups) {
    // [g:vars] values go through literal_eval too; quote strings so spaces survive.
    if (g.vars.length)
      out.push(`[${g.name}:vars]`, ...g.vars.map(([k, v]) => `${k}=${iniValue(v)}`));
  }
  return `${out.join('\n')}\n`;
}

function yamlValue(v: Value): string {
  if (v.kind === 'str') return JSON.stringify(v.v);
  return String(v.v);
}

function toYaml(m: Model): string {
  const out: string[] = [];
  for (const g of m.groups) {
    out.push(`${g.name}:`);
    if (g.hosts.length) {
      out.push('  hosts:');
      for (const h of g.hosts) {
        out.push(`    ${h.name}:${h.vars.length ? '' : ' ~'}`);
        for (const [k, v] of h.vars) out.push(`      ${k}: ${yamlValue(v)}`);
      }
    }
    if (g.children.length) {
      out.push('  children:');
      for (const c of g.children) out.push(`    ${m.groups[c]!.name}:`);
    }
    if (g.vars.length) {
      out.push('  vars:');
      for (const [k, v] of g.vars) out.push(`    ${k}: ${yamlValue(v)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

function readIni(text: string): Inventory {
  const inv = emptyInventory();
  parseIni(inv, 'inventory.ini', text, new DiagnosticBag());
  reconcile(inv);
  return inv;
}

function readYaml(text: string): Inventory {
  const inv = emptyInventory();
  const loaded = loadAnsibleData(text);
  parseYamlInventory(inv, 'hosts.yml', loaded.data!, loaded.keyLines, new DiagnosticBag());
  reconcile(inv);
  return inv;
}

test('random inventories written as INI and as YAML read the same', () => {
  fc.assert(
    fc.property(model, (m) => {
      const fromIni = pythonJson(listInventory(readIni(toIni(m))));
      const fromYaml = pythonJson(listInventory(readYaml(toYaml(m))));
      assert.equal(fromIni, fromYaml, `INI:\n${toIni(m)}\nYAML:\n${toYaml(m)}`);
    }),
    { numRuns: 300 },
  );
});

const inventoryish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '[',
        ']',
        ':',
        '=',
        '"',
        "'",
        '#',
        ';',
        '\n',
        ' ',
        'children',
        'vars',
        'all',
        '-',
        '{',
        '}',
        ',',
        '\\',
        '0',
        '1',
        'a',
        'h[1:3]',
        '[g]',
        '[g:children]',
        '[g:vars]',
        'hosts:',
        '  ',
        '- ',
        '&a',
        '*a',
        '<<',
        '!vault',
        '~',
      ),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

test('garbage never throws anything but KubehaError (INI and YAML readers)', () => {
  fc.assert(
    fc.property(inventoryish, (text) => {
      for (const read of [readIni, readYaml]) {
        try {
          read(text);
        } catch (err) {
          // loadAnsibleData signals YAML syntax with its own error, wrapped by the loader.
          if (err instanceof KubehaError || (err as Error).constructor.name === 'YamlLoadError')
            continue;
          if (read === readYaml && err instanceof TypeError && text.trim() === '') continue;
          throw err;
        }
      }
    }),
    { numRuns: 1000 },
  );
});

test('garbage through the plugin chain and every output only ever raises KubehaError', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-garbage-'));
  try {
    await fc.assert(
      fc.asyncProperty(
        inventoryish,
        fc.constantFrom('hosts.yml', 'hosts.json', 'inventory.ini', 'hosts'),
        async (text, name) => {
          const file = join(dir, name);
          writeFileSync(file, text);
          try {
            const { inventory } = await loadInventory([file], {
              unparsed: ANSIBLE_UNPARSED_DEFAULTS,
            });
            listInventoryJson(inventory);
            listInventoryYaml(inventory);
            graphInventory(inventory, 'all', true);
          } catch (err) {
            if (!(err instanceof KubehaError)) throw err;
          } finally {
            rmSync(file, { force: true });
          }
        },
      ),
      { numRuns: 500 },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * What Ansible's INI plugin makes of a value (plugins/inventory/ini.py _parse_value:
 * ast.literal_eval, the text itself on ValueError/SyntaxError) and how
 * ansible-inventory prints it (json.dumps, sort_keys, indent 4), computed by
 * python3 itself; `null` where json.dumps refuses the value (sets, complex
 * numbers), which makes ansible-inventory fail.
 */
const PY_INI_VALUES = `
import ast, json, sys, warnings
out = []
for text in json.load(sys.stdin):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            v = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        v = text
    try:
        out.append({"json": json.dumps(v, sort_keys=True, indent=4), "type": type(v).__name__})
    except TypeError:
        out.append({"json": None, "type": type(v).__name__})
print(json.dumps(out))
`;

test('parsePythonLiteral agrees with Python (ast.literal_eval, json.dumps) on known values', () => {
  const texts = [
    '42',
    '-7',
    '0x1F',
    '1_000',
    '007',
    'True',
    'true',
    'None',
    "'a b'",
    '[1, (2, 3)]',
    "{'k': [True]}",
    '1.2.3',
    '192.168.10.11',
    '(5)',
    '1.0',
    '1e3',
    '-0.5',
    "'unterminated",
    '{1, 2}',
    '1+2j',
  ];
  // the python3 Ansible runs on when there is one, so literal_eval is the same
  const python = ['/usr/bin/python3', 'python3'].find(
    (p) => spawnSync(p, ['-c', 'import ast'], { encoding: 'utf8' }).status === 0,
  );
  assert.ok(python, 'python3 is installed');
  const r = spawnSync(python, ['-c', PY_INI_VALUES], {
    input: JSON.stringify(texts),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const py = JSON.parse(r.stdout) as Array<{ json: string | null; type: string }>;
  texts.forEach((text, i) => {
    const want = py[i]!;
    const got = pythonJson(parsePythonLiteral(text) as never);
    if (want.json !== null) {
      assert.equal(got, want.json, text);
    } else {
      // ansible-inventory stops on these ("Object of type set is not JSON
      // serializable"); kubeha prints a set as a list and leaves complex numbers as text
      assert.ok(['set', 'complex'].includes(want.type), `${text}: ${want.type}`);
      assert.equal(got, want.type === 'set' ? pythonJson([1, 2]) : pythonJson(text), text);
    }
  });
});

test('pythonFloatRepr matches Python repr', () => {
  const cases: [number, string][] = [
    [1, '1.0'],
    [0.5, '0.5'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1e16, '1e+16'],
    [1234567890123456, '1234567890123456.0'],
    [-2.5, '-2.5'],
    [1e20, '1e+20'],
    [123.456, '123.456'],
  ];
  for (const [x, want] of cases) assert.equal(pythonFloatRepr(x), want, String(x));
});
