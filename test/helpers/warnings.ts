import { relative } from 'node:path';

/**
 * Warnings of ansible-inventory and of kubeha inventory, reduced to what they are
 * about, so that they can be compared by content: Ansible's text is wrapped at 79
 * columns and names Python internals (`<class 'int'>`), kubeha's names files as
 * given and adds positions. Each warning becomes a key such as
 * `failed:hosts.yml:yaml` or `dup-key:hosts.yml:dup`; the two tools must produce
 * the same set.
 */

/** kubeha warnings that Ansible has no counterpart for (kubeha explains a silent skip). */
const KUBEHA_ONLY = [/is ignored: Ansible skips \.ini files inside a directory/];

interface Rule {
  ansible: RegExp;
  kubeha: RegExp;
  /** key from the match groups; file paths are made relative and stripped of spaces */
  key: (m: RegExpExecArray, file: (p: string) => string) => string;
}

// Patterns run on text with all whitespace removed (Ansible wraps, even inside paths).
const RULES: Rule[] = [
  {
    ansible: /^\*Failedtoparse(.+?)with(\w+)plugin:/,
    kubeha: /^(?<file>.*?)failedtoparsewiththe(\w+)plugin:/,
    key: (m, file) => `failed:${file(m[1]!)}:${m[2]}`,
  },
  {
    ansible: /^Unabletoparse(.+)asaninventorysource$/,
    kubeha: /^.*?unabletoparse(.+)asaninventorysource$/,
    key: (m, file) => `unparsed:${file(m[1]!)}`,
  },
  { ansible: /^Noinventorywasparsed/, kubeha: /noinventorywasparsed/, key: () => 'no-inventory' },
  {
    ansible: /^Invalidcharacterswerefoundingroupnames/,
    kubeha: /Invalidcharacterswerefoundingroupnames/,
    key: () => 'group-name-chars',
  },
  {
    ansible: /^CouldnotsortJSONoutput/,
    kubeha: /CouldnotsortJSONoutput/,
    key: () => 'json-sort',
  },
  {
    ansible:
      /^Whileconstructingamappingfrom(.+?),line\d+,column\d+,foundaduplicatedictkey\((.*)\)\.Usinglast/,
    kubeha: /^(?<file>.*?)duplicatekey"(.*)":thelastoneisused/,
    key: (m, file) => `dup-key:${file(m[1]!)}:${m[2]}`,
  },
  {
    ansible: /^Skipping'(.*)'asthisisnotavalidgroupdefinition/,
    kubeha: /skipping'(.*)'asthisisnotavalidgroupdefinition/,
    key: (m) => `skip-group:${m[1]}`,
  },
  {
    ansible: /^Skippingkey\((.*?)\)ingroup\((.*?)\)asitisnotamapping/,
    kubeha: /skippingkey\((.*?)\)ingroup\((.*?)\)asitisnotamapping/,
    key: (m) => `skip-key:${m[2]}:${m[1]}`,
  },
  {
    ansible: /^Skippingunexpectedkey\((.*?)\)ingroup\((.*?)\)/,
    kubeha: /skippingunexpectedkey\((.*?)\)ingroup\((.*?)\)/,
    key: (m) => `unexpected-key:${m[2]}:${m[1]}`,
  },
  {
    ansible: /^Foundbothgroupandhostwithsamename:(.*)$/,
    kubeha: /foundbothgroupandhostwithsamename:(.*)$/,
    key: (m) => `group-host:${m[1]}`,
  },
];

const squash = (s: string) => s.replace(/\s+/g, '');

function classify(kind: 'ansible' | 'kubeha', text: string, cwd: string): string {
  const flat = squash(text);
  const file = (p: string) => {
    const path = p.replace(/^'|'$/g, '').replace(/:\d+(:\d+)?$/, '');
    return path.startsWith('/') ? relative(squash(cwd), path) : path;
  };
  for (const rule of RULES) {
    const m = rule[kind].exec(flat);
    if (!m) continue;
    // kubeha's own position prefix names the file for rules that take it from there
    if (kind === 'kubeha' && m.groups?.file !== undefined) {
      const own = m.groups.file.replace(/:$/, '');
      const shifted = [m[0], own, ...m.slice(2)] as unknown as RegExpExecArray;
      return rule.key(shifted, file);
    }
    return rule.key(m, file);
  }
  return `other:${flat}`;
}

/** The warning keys in ansible-inventory's stderr; a fatal `ERROR!` becomes `fatal`. */
export function ansibleWarnings(stderr: string, cwd: string): Set<string> {
  const records: string[] = [];
  for (const line of stderr.split('\n')) {
    if (line.startsWith('[WARNING]:') || line.startsWith('ERROR!')) records.push(line);
    else if (records.length && line.trim()) records[records.length - 1] += `\n${line}`;
  }
  const out = new Set<string>();
  for (const r of records) {
    if (r.startsWith('ERROR!')) out.add('fatal');
    else out.add(classify('ansible', r.slice('[WARNING]:'.length), cwd));
  }
  return out;
}

/** The warning keys in kubeha's stderr; an error line (no `warning:`) becomes `fatal`. */
export function kubehaWarnings(stderr: string, cwd: string): Set<string> {
  const out = new Set<string>();
  for (const line of stderr.split('\n')) {
    if (!line.trim()) continue;
    if (!line.startsWith('kubeha: ')) {
      out.add(`other:${line}`); // e.g. a warning of Node's own, which must never leak
      continue;
    }
    const text = line.slice('kubeha: '.length);
    if (!/(^|: )warning: /.test(text)) {
      out.add('fatal');
      continue;
    }
    if (KUBEHA_ONLY.some((re) => re.test(text))) continue;
    // "FILE[:L[:C]]: warning: message" → "FILE: message" for the rules
    out.add(classify('kubeha', text.replace(/(^|: )warning: /, '$1'), cwd));
  }
  return out;
}
