// Reads are synchronous, as in load.ts: a handful of small files read in order.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { KubehaError } from '../shared/errors.js';

/**
 * Ansible's facts for hosts, read from a directory in either of the two layouts
 * Ansible writes:
 *
 * - the jsonfile fact cache (`fact_caching = jsonfile`, plugins/cache/jsonfile.py):
 *   one file per host named `<fact_caching_prefix><inventory_hostname>`, holding
 *   the facts themselves (`{"ansible_default_ipv4": {...}, ...}`);
 * - `ansible HOSTS -m setup --tree DIR`: one file per host named after it, holding
 *   the module result (`{"ansible_facts": {...}, "changed": false}`).
 *
 * Ansible skips expired cache entries (fact_caching_timeout) and gathers again;
 * kubeha reads them all: an address gathered a week ago is the best knowledge
 * there is before a run.
 */
export interface HostFacts {
  /** the file the facts came from */
  file: string;
  facts: Record<string, unknown>;
}

export interface FactCache {
  dir: string;
  /** how the directory was chosen: `--facts`, or the ansible.cfg that names it */
  from: string;
  hosts: Map<string, HostFacts>;
}

/** Reads every host file of `dir`; a file that is not a JSON object is a one-line error. */
export function readFactCache(dir: string, from: string, prefix = ''): FactCache {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir);
  } catch (err) {
    throw new KubehaError('E_FACTS_READ', `cannot read the fact cache ${dir}: ${reason(err)}`, {
      hint: 'give a directory written by fact_caching = jsonfile or `ansible all -m setup --tree DIR`',
    });
  }
  const hosts = new Map<string, HostFacts>();
  for (const name of names.sort()) {
    if (name.startsWith('.') || !name.startsWith(prefix)) continue;
    const file = join(dir, name);
    if (!statSync(file).isFile()) continue;
    hosts.set(name.slice(prefix.length), { file, facts: parseFactFile(file) });
  }
  return { dir, from, hosts };
}

function parseFactFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new KubehaError('E_FACTS_READ', `cannot read ${reason(err)}`, { file });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : undefined;
    throw new KubehaError('E_FACTS_JSON', `not a fact file: ${(err as Error).message}`, {
      file,
      line,
      hint: 'fact cache files are JSON objects, one per host',
    });
  }
  if (!isObject(value)) {
    throw new KubehaError('E_FACTS_JSON', 'not a fact file: expected a JSON object', { file });
  }
  // --tree writes the module result; the cache writes the facts
  return isObject(value.ansible_facts) ? value.ansible_facts : value;
}

/**
 * The fact cache an `ansible.cfg` beside the inventory names, if any: its
 * [defaults] `fact_caching` is jsonfile and `fact_caching_connection` a
 * directory (relative to the ansible.cfg, as Ansible resolves `path` settings).
 */
export function factCacheFromConfig(sources: string[]): FactCache | undefined {
  const first = sources[0];
  if (first === undefined) return undefined;
  const abs = resolve(first);
  const base = existsSync(abs) && statSync(abs).isDirectory() ? abs : dirname(abs);
  const cfg = join(base, 'ansible.cfg');
  if (!existsSync(cfg)) return undefined;
  const defaults = iniSection(readFileSync(cfg, 'utf8'), 'defaults');
  const plugin = defaults.get('fact_caching');
  const conn = defaults.get('fact_caching_connection');
  if (!plugin || !/^(ansible\.builtin\.)?jsonfile$/.test(plugin) || !conn) return undefined;
  const dir = resolve(base, conn.replace(/^~(?=\/|$)/, process.env.HOME ?? '~'));
  if (!existsSync(dir)) return undefined;
  return readFactCache(dir, cfg, defaults.get('fact_caching_prefix') ?? '');
}

/**
 * One section of an INI file as Python's configparser reads ansible.cfg
 * (config/manager.py: `inline_comment_prefixes=(';',)`): `key = value` or
 * `key: value`, keys lower-cased, `#`/`;` comment lines.
 */
export function iniSection(text: string, section: string): Map<string, string> {
  const out = new Map<string, string>();
  let current = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[([^\]]+)\]/.exec(line);
    if (head) {
      current = head[1]!;
      continue;
    }
    if (current !== section) continue;
    const m = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(line);
    if (m) out.set(m[1]!.toLowerCase(), m[2]!.replace(/\s+;.*$/, '').trim());
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code}${e.path ? ` ${e.path}` : ''}` : String(e.message ?? err);
}
