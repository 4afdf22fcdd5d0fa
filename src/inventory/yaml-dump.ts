import { AnsibleFloat, pythonFloatRepr } from './ansible-float.js';
import { AnsibleUnsafe, AnsibleVault, PyDate, PyTuple } from './ansible-scalars.js';
import { decodeKey, PyTypeError, sortKeys, type PyKey } from './py-key.js';
import { Emitter, type YNode } from './yaml-emit.js';
import type { AnsibleValue } from './types.js';

/**
 * `yaml.dump(data, Dumper=AnsibleDumper, default_flow_style=False,
 * allow_unicode=True)`, which is how ansible-inventory writes `-y` output
 * (cli/inventory.py InventoryCLI.dump, parsing/yaml/dumper.py; AnsibleDumper is
 * libyaml's CSafeDumper, see yaml-emit.ts):
 *
 * - the representer (yaml/representer.py SafeRepresenter) turns values into nodes;
 *   a list, dict, date or vault value met twice is the same node, which the
 *   serializer writes as `&idNNN` the first time and `*idNNN` after — numbered in
 *   the order the second references are met;
 * - mapping keys are sorted, unless Python cannot order them (then file order);
 * - a string that PyYAML would read back as another type (`no`, `12:30`,
 *   `2024-01-01`, `1e3`…) is quoted, because its implicit tag would differ.
 */
export function dumpYaml(value: AnsibleValue): string {
  const root = new Representer().represent(value);
  return new Emitter(anchorNodes(root)).document(root);
}

const TAG = 'tag:yaml.org,2002:';

/** Resolver.resolve for a plain scalar: the YAML 1.1 implicit types PyYAML's dumper knows. */
const IMPLICIT: [string, RegExp, string][] = [
  [
    'bool',
    /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
    'yYnNtTfFoO',
  ],
  [
    'float',
    /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
    '-+0123456789.',
  ],
  [
    'int',
    /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
    '-+0123456789',
  ],
  ['merge', /^(?:<<)$/, '<'],
  ['null', /^(?:~|null|Null|NULL|)$/, '~nN'],
  [
    'timestamp',
    /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
    '0123456789',
  ],
  ['value', /^(?:=)$/, '='],
];

// Python's `$` also matches before one final newline.
const pyMatch = (re: RegExp, s: string) =>
  re.test(s) || (s.endsWith('\n') && re.test(s.slice(0, -1)));

function resolveTag(value: string): string {
  if (value === '') return `${TAG}null`;
  for (const [tag, re, first] of IMPLICIT) {
    if (first.includes(value[0]!) && pyMatch(re, value)) return TAG + tag;
  }
  return `${TAG}str`;
}

/** A scalar event as CEmitter.serialize builds it: implicit when the resolver agrees. */
function scalar(tag: string, value: string, literal = false): YNode {
  const full = tag.startsWith('!') ? tag : TAG + tag;
  return {
    kind: 'scalar',
    tag: full,
    value,
    literal,
    plainImplicit: resolveTag(value) === full,
    quotedImplicit: full === `${TAG}str`,
  };
}

/** SafeRepresenter.represent_float. */
function floatText(x: number): string {
  if (Number.isNaN(x)) return '.nan';
  if (x === Infinity) return '.inf';
  if (x === -Infinity) return '-.inf';
  const v = pythonFloatRepr(x).toLowerCase();
  return !v.includes('.') && v.includes('e') ? v.replace('e', '.0e') : v;
}

class Representer {
  /** represented_objects: id(data) → node, for values SafeRepresenter may alias */
  private readonly seen = new Map<object, YNode>();

  represent(v: AnsibleValue | PyKey): YNode {
    if (v === null) return scalar('null', 'null');
    if (typeof v === 'string') return scalar('str', v);
    if (typeof v === 'boolean') return scalar('bool', v ? 'true' : 'false');
    if (typeof v === 'number') return scalar('int', String(v));
    if (v instanceof AnsibleFloat) return scalar('float', floatText(v.value));
    if (v instanceof AnsibleUnsafe) return scalar('str', v.text);
    // ignore_aliases is true for str, int, float, bool and None only
    const hit = this.seen.get(v);
    if (hit) return hit;
    if (v instanceof PyTuple && v.length === 0) return { kind: 'seq', items: [] };
    if (v instanceof PyDate)
      return this.keep(v, scalar('timestamp', v.isoformat(v.time ? ' ' : 'T')));
    if (v instanceof AnsibleVault) return this.keep(v, scalar('!vault', v.ciphertext, true));
    if (Array.isArray(v)) {
      const node: YNode = { kind: 'seq', items: [] };
      // ignore_aliases: the empty tuple is one object in Python, never aliased
      if (!(v instanceof PyTuple && v.length === 0)) this.keep(v, node);
      for (const x of v) node.items.push(this.represent(x));
      return node;
    }
    const node: YNode = { kind: 'map', pairs: [] };
    this.keep(v, node);
    let keys = Object.keys(v);
    try {
      keys = sortKeys([...keys]);
    } catch (err) {
      if (!(err instanceof PyTypeError)) throw err; // sorted() failed: keep dict order
    }
    for (const k of keys) node.pairs.push([this.represent(decodeKey(k)), this.represent(v[k]!)]);
    return node;
  }

  private keep(v: object, node: YNode): YNode {
    this.seen.set(v, node);
    return node;
  }
}

/** Serializer.anchor_node: a node reached a second time gets the next `idNNN`. */
function anchorNodes(root: YNode): Map<YNode, string> {
  const visited = new Set<YNode>();
  const anchors = new Map<YNode, string>();
  const visit = (n: YNode) => {
    if (visited.has(n)) {
      if (!anchors.has(n)) anchors.set(n, `id${String(anchors.size + 1).padStart(3, '0')}`);
      return;
    }
    visited.add(n);
    if (n.kind === 'seq') n.items.forEach(visit);
    else if (n.kind === 'map') {
      for (const [k, v] of n.pairs) {
        visit(k);
        visit(v);
      }
    }
  };
  visit(root);
  return anchors;
}
