/**
 * Label and field selectors as kube-apiserver parses them
 * (k8s.io/apimachinery/pkg/labels and pkg/fields): `a=b,c!=d,e in (x,y),f notin (z),g,!h`
 * for labels; `metadata.name=x,spec.nodeName!=y` for fields, on the fields each kind
 * supports. A bad selector is a 400 with a message, never an exception the server sees.
 */

export type Selector = (obj: LabObject) => boolean;

export interface LabObject {
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export class SelectorError extends Error {}

/** Splits on commas outside parentheses. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const KEY =
  /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new SelectorError(`invalid label key "${key}"`);
  return key;
}

export function parseLabelSelector(text: string | null): Selector {
  if (text === null || text.trim() === '') return () => true;
  const tests = splitTop(text).map((req): Selector => {
    const labels = (o: LabObject) => o.metadata.labels ?? {};
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(req);
    if (m) {
      const key = checkKey(m[1]!);
      const values = new Set(m[3]!.split(',').map((v) => v.trim()));
      return m[2] === 'in'
        ? (o) => values.has(labels(o)[key] ?? '\0missing')
        : (o) => !values.has(labels(o)[key] ?? '\0missing');
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(req);
    if (m) {
      const key = checkKey(m[1]!);
      const value = m[3]!;
      return m[2] === '!=' ? (o) => labels(o)[key] !== value : (o) => labels(o)[key] === value;
    }
    m = /^(!?)\s*(\S+)$/.exec(req);
    if (m) {
      const key = checkKey(m[2]!);
      return m[1] === '!' ? (o) => !(key in labels(o)) : (o) => key in labels(o);
    }
    throw new SelectorError(`unable to parse requirement: ${req}`);
  });
  return (o) => tests.every((t) => t(o));
}

/** Fields every kind supports, plus the per-kind ones the lab's clients use. */
const FIELDS: Record<string, string[]> = {
  Pod: ['spec.nodeName', 'status.phase'],
  Node: ['spec.unschedulable'],
};

function fieldValue(obj: LabObject, path: string): string {
  let v: unknown = obj;
  for (const part of path.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
  return v === undefined || v === null ? '' : String(v);
}

export function parseFieldSelector(text: string | null, kind: string): Selector {
  if (text === null || text.trim() === '') return () => true;
  const allowed = new Set(['metadata.name', 'metadata.namespace', ...(FIELDS[kind] ?? [])]);
  const tests = splitTop(text).map((req): Selector => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(req);
    if (!m) throw new SelectorError(`invalid selector: '${req}'; can't understand '${req}'`);
    const field = m[1]!.trim();
    if (!allowed.has(field)) {
      throw new SelectorError(`field label not supported: ${field}`);
    }
    const value = m[3]!.trim();
    return m[2] === '!='
      ? (o) => fieldValue(o, field) !== value
      : (o) => fieldValue(o, field) === value;
  });
  return (o) => tests.every((t) => t(o));
}
