import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  type Document,
  type LineCounter,
  type YAMLMap,
} from 'yaml';
import { AnsibleFloat } from './ansible-float.js';
import { AnsibleUnsafe, PyDate } from './ansible-scalars.js';
import { encodeKey, existingKey, type PyKey } from './py-key.js';
import type { AnsibleValue } from './types.js';

/**
 * Turns a parsed YAML document into values the way PyYAML's SafeConstructor and
 * Ansible's AnsibleConstructor (parsing/yaml/constructor.py) do:
 *
 * - a node is built once: every alias of an anchor is the same object, so a list
 *   shared by `*anchor` stays shared (ansible-inventory's YAML output writes such
 *   shared values as `&id001` … `*id001`);
 * - merge keys follow flatten_mapping: the merged pairs come first, in reverse
 *   order of a `<<: [*a, *b]` list, then the mapping's own pairs — which Ansible
 *   reports as duplicate keys when they override a merged one;
 * - keys keep their type (py-key.ts); a list or mapping as a key is an error.
 */
export class ConstructError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export interface Duplicate {
  key: string;
  line: number;
  col: number;
}

type Node = unknown;
type Obj = { [k: string]: AnsibleValue };

/** Tags the loader knows; PyYAML refuses any other ("could not determine a constructor"). */
const YAML_TAGS = ['null', 'bool', 'int', 'float', 'timestamp', 'str', 'seq', 'map', 'merge'];
const KNOWN_TAGS = new Set([
  ...YAML_TAGS.map((t) => `tag:yaml.org,2002:${t}`),
  '!unsafe',
  '!vault',
  '!vault-encrypted',
]);

export function constructDocument(
  doc: Document,
  lines: LineCounter,
  json: boolean,
): { data: AnsibleValue | undefined; duplicates: Duplicate[] } {
  const c = new Constructor(doc, lines, json);
  if (doc.contents === null || doc.contents === undefined)
    return { data: undefined, duplicates: [] };
  return { data: c.value(doc.contents), duplicates: c.duplicates };
}

const offsetOf = (node: Node): number =>
  (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;

const typeName = (node: Node): string => (isMap(node) ? 'dict' : isSeq(node) ? 'list' : 'str');

class Constructor {
  readonly duplicates: Duplicate[] = [];
  private readonly built = new Map<Node, AnsibleValue>();
  private readonly building = new Set<Node>();

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly json: boolean,
  ) {}

  private target(node: Node): Node {
    if (!isAlias(node)) return node;
    const t = node.resolve(this.doc);
    if (!t) throw new ConstructError(`found undefined alias ${node.source}`, offsetOf(node));
    return t;
  }

  value(raw: Node): AnsibleValue {
    const node = this.target(raw);
    if (node === null || node === undefined) return null;
    const hit = this.built.get(node);
    if (hit !== undefined) return hit;
    if (this.building.has(node)) {
      throw new ConstructError('recursive objects are not supported', offsetOf(raw));
    }
    const tag = (node as { tag?: string }).tag;
    if (tag !== undefined && !KNOWN_TAGS.has(tag)) {
      throw new ConstructError(
        `could not determine a constructor for the tag '${tag}'`,
        offsetOf(node),
      );
    }
    let out: AnsibleValue;
    if (isScalar(node)) {
      const v = node.value;
      out = typeof v === 'symbol' ? '<<' : (v as AnsibleValue);
    } else if (isSeq(node)) {
      const arr: AnsibleValue[] = [];
      this.built.set(node, arr);
      this.building.add(node);
      for (const item of node.items) arr.push(this.value(item));
      this.building.delete(node);
      out = arr;
    } else if (isMap(node)) {
      const obj: Obj = {};
      this.built.set(node, obj);
      this.building.add(node);
      this.fillMapping(obj, node);
      this.building.delete(node);
      out = obj;
    } else {
      throw new ConstructError('unexpected YAML node', offsetOf(node));
    }
    if (tag === '!unsafe') out = wrapUnsafe(out);
    this.built.set(node, out);
    return out;
  }

  private fillMapping(obj: Obj, node: YAMLMap): void {
    for (const [keyNode, valueNode] of this.flatten(node, 0)) {
      const key = encodeKey(this.key(keyNode));
      const value = this.value(valueNode);
      const existing = existingKey(obj, key);
      if (existing !== undefined) {
        if (!this.json) {
          const { line, col } = this.lines.linePos(offsetOf(keyNode));
          this.duplicates.push({ key: String(this.key(keyNode)), line, col });
        }
        obj[existing] = value;
      } else {
        obj[key] = value;
      }
    }
  }

  private key(raw: Node): PyKey {
    const node = this.target(raw);
    if (node === null || node === undefined) return null;
    if (!isScalar(node)) {
      throw new ConstructError(
        `found unacceptable key (unhashable type: '${typeName(node)}')`,
        offsetOf(raw),
      );
    }
    const v = this.value(node);
    if (v instanceof AnsibleUnsafe) return v.text;
    if (
      typeof v === 'string' ||
      typeof v === 'number' ||
      typeof v === 'boolean' ||
      v === null ||
      v instanceof AnsibleFloat ||
      v instanceof PyDate
    ) {
      return v;
    }
    throw new ConstructError('found unacceptable key (unhashable type)', offsetOf(raw));
  }

  /** yaml/constructor.py flatten_mapping, without changing the document. */
  private flatten(node: YAMLMap, depth: number): [Node, Node][] {
    if (depth > 100) throw new ConstructError('merge keys nest too deeply', offsetOf(node));
    const merged: [Node, Node][] = [];
    const own: [Node, Node][] = [];
    for (const pair of node.items) {
      const isMerge = !this.json && isScalar(pair.key) && typeof pair.key.value === 'symbol';
      if (!isMerge) {
        own.push([pair.key, pair.value]);
        continue;
      }
      const v = this.target(pair.value);
      if (isMap(v)) {
        merged.push(...this.flatten(v, depth + 1));
      } else if (isSeq(v)) {
        const parts: [Node, Node][][] = [];
        for (const item of v.items) {
          const m = this.target(item);
          if (!isMap(m)) {
            throw new ConstructError(
              `expected a mapping for merging, but found ${isSeq(m) ? 'sequence' : 'scalar'}`,
              offsetOf(item),
            );
          }
          parts.push(this.flatten(m, depth + 1));
        }
        for (const p of parts.reverse()) merged.push(...p);
      } else {
        throw new ConstructError(
          'expected a mapping or list of mappings for merging, but found scalar',
          offsetOf(pair.value),
        );
      }
    }
    return [...merged, ...own];
  }
}

/** ansible.utils.unsafe_proxy.wrap_var: strings inside become unsafe, containers are copied. */
function wrapUnsafe(v: AnsibleValue): AnsibleValue {
  if (typeof v === 'string') return new AnsibleUnsafe(v);
  if (Array.isArray(v)) return v.map(wrapUnsafe);
  if (v !== null && typeof v === 'object' && v.constructor === Object) {
    const out: Obj = {};
    for (const [k, x] of Object.entries(v as Obj)) out[k] = wrapUnsafe(x);
    return out;
  }
  return v;
}
