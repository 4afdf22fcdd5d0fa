import { readFileSync } from 'node:fs';
import { KubehaError } from '../shared/errors.js';
import { loadAnsibleData, YamlLoadError } from './yaml-load.js';
import { varKey } from './py-key.js';
import type { AnsibleValue, VarMap, VarOrigin } from './types.js';

/**
 * `-e` values as Ansible's load_extra_vars (utils/vars.py) reads them: `@file`
 * loads YAML/JSON, text starting with `{` or `[` is YAML/JSON, anything else is
 * `key=value` pairs whose values stay strings. Later `-e` replace earlier ones.
 */
export async function loadExtraVars(
  args: string[],
): Promise<{ vars: VarMap; origins: Record<string, VarOrigin> }> {
  const vars: VarMap = {};
  const origins: Record<string, VarOrigin> = {};
  for (const arg of args) {
    if (arg === '') continue;
    let data: AnsibleValue | undefined;
    let file = '-e';
    if (arg.startsWith('@')) {
      file = arg.slice(1);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new KubehaError(
          'E_EXTRA_VARS',
          `cannot read extra vars file: ${(err as Error).message}`,
          { file },
        );
      }
      data = parseData(text, file);
    } else if (arg[0] === '/' || arg[0] === '.') {
      throw new KubehaError('E_EXTRA_VARS', `extra vars "${arg}" looks like a file name`, {
        hint: `prepend it with '@': -e @${arg}`,
      });
    } else if (arg[0] === '[' || arg[0] === '{') {
      data = parseData(arg, '-e');
    } else {
      data = parseKeyValues(arg);
    }
    if (typeof data !== 'object' || data === null || data.constructor !== Object) {
      throw new KubehaError(
        'E_EXTRA_VARS',
        `extra vars '${arg}' could not be made into a mapping`,
        {
          hint: 'use KEY=VALUE, a YAML/JSON mapping, or @file.yml',
        },
      );
    }
    for (const [k, v] of Object.entries(data as VarMap)) {
      vars[k] = v;
      origins[k] = { file, layer: 'extra vars (-e)' };
    }
  }
  return { vars, origins };
}

function parseData(text: string, file: string): AnsibleValue | undefined {
  try {
    return loadAnsibleData(text).data;
  } catch (err) {
    if (err instanceof YamlLoadError) {
      throw new KubehaError('E_EXTRA_VARS', err.message, { file, line: err.line, col: err.col });
    }
    throw err;
  }
}

/**
 * parse_kv: whitespace-separated key=value tokens, quotes around values removed.
 * A token without `=` goes to `_raw_params`, as Ansible does.
 */
export function parseKeyValues(text: string): VarMap {
  const out: VarMap = {};
  const raw: string[] = [];
  for (const token of splitArgs(text)) {
    const m = /^([^=\s]+)=(.*)$/s.exec(token);
    if (m) out[varKey(m[1]!)] = unquote(m[2]!);
    else raw.push(token);
  }
  if (raw.length) out._raw_params = raw.join(' ');
  return out;
}

function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && i + 1 < text.length) {
        cur += c + text[++i];
        continue;
      }
      if (c === quote) quote = '';
      cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      cur += c;
    } else if (/\s/.test(c)) {
      if (cur) out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  if (cur) out.push(cur);
  return out;
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) {
    return v.slice(1, -1);
  }
  return v;
}
