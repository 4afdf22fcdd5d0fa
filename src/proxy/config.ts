/**
 * Loads the proxy configuration: YAML file, then flags on top, validated by the
 * schema. Every problem becomes one KubehaError naming the file, line and key
 * path (`proxy.yaml:7:3: healthCheck.rise: Too small: expected number to be >=1`).
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isMap, visit, type Node } from 'yaml';
import type { z } from 'zod';
import { KubehaError } from '../shared/errors.js';
import { proxyConfigJsonSchema, proxyConfigSchema, type ProxyConfig } from './config-schema.js';

export type RawConfig = Record<string, unknown>;

export async function readConfigFile(path: string): Promise<{ raw: RawConfig; doc: Located }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new KubehaError('E_CONFIG_READ', `cannot read ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return parseConfigText(text, path);
}

export interface Located {
  file?: string;
  /** Line and column of the YAML node at a key path, when known. */
  position(path: readonly PropertyKey[]): { line?: number; col?: number };
}

export function parseConfigText(text: string, file?: string): { raw: RawConfig; doc: Located } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = lineCounter.linePos(e.pos[0]);
    throw new KubehaError('E_CONFIG_YAML', e.message.split('\n')[0]!, { file, ...pos });
  }
  let value: unknown;
  try {
    value = doc.toJS() ?? {};
  } catch (err) {
    // An alias without its anchor (`*a`), or more aliases than yaml resolves (a "billion
    // laughs" document): both are about aliases, so point at the first one.
    let at: number | undefined;
    visit(doc, {
      Alias(_, node) {
        at = node.range?.[0];
        return visit.BREAK;
      },
    });
    const pos = at === undefined ? { line: 1 } : lineCounter.linePos(at);
    throw new KubehaError('E_CONFIG_YAML', (err as Error).message.split('\n')[0]!, {
      file,
      ...pos,
    });
  }
  if (typeof value !== 'object' || Array.isArray(value) || value === null) {
    throw new KubehaError('E_CONFIG_SHAPE', 'the configuration must be a mapping', {
      file,
      line: 1,
    });
  }
  const position = (path: readonly PropertyKey[]) => {
    // Walk up the path until a node exists (an unknown key's parent, a missing key's map).
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true) as Node | undefined;
      const key =
        n > 0
          ? keyNode(doc.getIn(path.slice(0, n - 1) as unknown[], true), path[n - 1])
          : undefined;
      const range = key?.range ?? node?.range;
      if (range) return lineCounter.linePos(range[0]);
    }
    return {};
  };
  return { raw: value as RawConfig, doc: { file, position } };
}

function keyNode(parent: unknown, key: PropertyKey): Node | undefined {
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((p) => (p.key as { value?: unknown })?.value === key);
  return pair?.key as Node | undefined;
}

/** Flags win over the file; `healthCheck` and `passive` merge key by key. */
export function mergeConfig(file: RawConfig, flags: RawConfig): RawConfig {
  const out: RawConfig = { ...file };
  for (const [k, v] of Object.entries(flags)) {
    if (v === undefined) continue;
    const base = out[k];
    out[k] =
      typeof v === 'object' && !Array.isArray(v) && v !== null && typeof base === 'object' && base
        ? { ...(base as RawConfig), ...(v as RawConfig) }
        : v;
  }
  return out;
}

export function validateConfig(
  raw: RawConfig,
  where: Located = { position: () => ({}) },
): ProxyConfig {
  const result = proxyConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  // Every problem at once (one line each), so fixing one does not reveal the next.
  const [first, ...rest] = result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((k) => invalid(where, [...issue.path, k], unknownKey(issue.path, k)))
      : [invalid(where, issuePath(issue), issue.message)],
  );
  throw new KubehaError(first!.code, first!.message, {
    file: first!.file,
    line: first!.line,
    col: first!.col,
    also: rest,
  });
}

function invalid(where: Located, path: PropertyKey[], message: string): KubehaError {
  const key = path.length > 0 ? path.join('.') : '(top level)';
  return new KubehaError('E_CONFIG_INVALID', `${key}: ${message}`, {
    file: where.file,
    ...where.position(path),
  });
}

/** `unknown key "fal" (did you mean "fall"?)`, from the keys the schema has at that place. */
function unknownKey(at: readonly PropertyKey[], key: string): string {
  let node = proxyConfigJsonSchema() as { properties?: Record<string, unknown> } | undefined;
  for (const p of at) node = node?.properties?.[String(p)] as typeof node;
  const known = Object.keys(node?.properties ?? {});
  const near = known
    .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) }))
    .filter(({ k, d }) => d <= Math.max(2, Math.floor(k.length / 3)))
    .sort((a, b) => a.d - b.d)[0];
  return `unknown key "${key}"${near ? ` (did you mean "${near.k}"?)` : ''}`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(
        prev[j]! + 1,
        cur[j - 1]! + 1,
        prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return prev[b.length]!;
}

function issuePath(issue: z.core.$ZodIssue): PropertyKey[] {
  const path = [...issue.path];
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) path.push(issue.keys[0]);
  return path;
}

/** File (optional) + flags -> validated configuration. */
export async function loadProxyConfig(
  file: string | undefined,
  flags: RawConfig,
): Promise<ProxyConfig> {
  if (file === undefined) return validateConfig(flags);
  const { raw, doc } = await readConfigFile(file);
  const merged = mergeConfig(raw, flags);
  // Positions point into the file; a bad flag value has none and reports without one.
  return validateConfig(merged, doc);
}
