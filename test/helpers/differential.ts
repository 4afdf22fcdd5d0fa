import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ansibleInventory, kubeha, REPO_ROOT, type Ran } from './ansible.js';
import {
  compareWithPyYaml,
  pyyamlPython,
  type NestedAgainstList,
  type SameYaml,
} from './pyyaml.js';
import { ansibleWarnings, kubehaWarnings } from './warnings.js';

/**
 * Running one fixture of test/fixtures/inventory through ansible-inventory and
 * kubeha inventory in every output mode, and what counts as a disagreement
 * (see test/inventory/differential.test.ts).
 */
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'inventory');

export interface CaseSpec {
  sources?: string[];
  extraVars?: string[];
  graphs?: string[];
  hosts?: string[];
  env?: Record<string, string>;
  graphVars?: boolean;
}

function caseSpec(dir: string): CaseSpec & { sources: string[] } {
  const specFile = join(dir, 'case.json');
  const spec: CaseSpec = existsSync(specFile) ? JSON.parse(readFileSync(specFile, 'utf8')) : {};
  const guess = [
    'inventory.ini',
    'hosts.yml',
    'hosts.yaml',
    'inventory.yaml',
    'inventory.yml',
  ].find((f) => existsSync(join(dir, f)));
  const sources = spec.sources ?? (guess ? [guess] : []);
  assert.ok(sources.length > 0, `${dir}: no inventory source`);
  return { ...spec, sources };
}

/** The hosts ansible-inventory --list shows, in its order. */
function listedHosts(listJson: string): string[] {
  // Python's json.dumps writes Infinity and NaN, which JSON.parse refuses
  const text = listJson.replace(/-?\bInfinity\b|\bNaN\b/g, 'null');
  const data = JSON.parse(text) as Record<string, { hosts?: string[] }>;
  const hosts = new Set<string>();
  for (const [name, entry] of Object.entries(data)) {
    if (name !== '_meta') for (const h of entry.hosts ?? []) hosts.add(h);
  }
  return [...hosts];
}

export interface Run {
  what: string;
  mode: string[];
  ours: Ran;
  theirs: Ran;
}

export async function runCase(name: string): Promise<Run[]> {
  const dir = join(FIXTURES, name);
  const spec = caseSpec(dir);
  const env = spec.env ?? {};
  const common = [
    ...spec.sources.flatMap((s) => ['-i', s]),
    ...(spec.extraVars ?? []).flatMap((e) => ['-e', e]),
  ];
  const runs: Run[] = [];
  const run = async (mode: string[]) => {
    const [ours, theirs] = await Promise.all([
      kubeha(['inventory', ...common, ...mode], dir, env),
      ansibleInventory([...common, ...mode], dir, env),
    ]);
    runs.push({ what: `${name} ${mode.join(' ')}`, mode, ours, theirs });
    return theirs;
  };
  const list = await run(['--list']);
  const hosts = spec.hosts ?? (list.code === 0 ? listedHosts(list.stdout).slice(0, 1) : []);
  const modes = [
    ['--list', '-y'],
    ...['all', ...(spec.graphs ?? [])].map((g) => ['--graph', g]),
    ...(spec.graphVars === false ? [] : [['--graph', 'all', '--vars']]),
    ...hosts.flatMap((h) => [
      ['--host', h],
      ['--host', h, '-y'],
    ]),
  ];
  for (const mode of modes) await run(mode);
  return runs;
}

/**
 * kubeha's exit code for ansible-inventory's (docs/inventory.md): 0 for 0; 2, unusable
 * input, for Ansible's 1 (AnsibleError), 4 (parser error), 5 (file not found) and
 * 250 (an unexpected exception, e.g. a value json cannot encode); anything else has
 * no counterpart.
 */
export function expectedExit(ansible: number): number | undefined {
  if (ansible === 0) return 0;
  return [1, 4, 5, 250].includes(ansible) ? 2 : undefined;
}

export function problemsOf(run: Run): string[] {
  const { what, ours, theirs } = run;
  const problems: string[] = [];
  if (ours.code !== expectedExit(theirs.code)) {
    problems.push(
      `${what}: exit ${ours.code} but ansible-inventory exits ${theirs.code} (kubeha should exit ${expectedExit(theirs.code)})\n  kubeha: ${ours.stderr}\n  ansible: ${theirs.stderr}`,
    );
    return problems;
  }
  const cwd = join(FIXTURES, what.split(' ')[0]!);
  const ourWarnings = kubehaWarnings(ours.stderr, cwd);
  const theirWarnings = ansibleWarnings(theirs.stderr, cwd);
  if (theirs.code !== 0) {
    if (!ourWarnings.has('fatal') || !theirWarnings.has('fatal')) {
      problems.push(
        `${what}: both fail, but not both with an error:\n${ours.stderr}\n${theirs.stderr}`,
      );
    }
    return problems;
  }
  if (theirs.stdout.length === 0)
    problems.push(`${what}: ansible-inventory printed nothing: ${theirs.stderr}`);
  if (ours.stdout !== theirs.stdout) {
    problems.push(`${what}: stdout differs (kubeha stderr: ${ours.stderr})`);
  }
  const a = [...ourWarnings].sort();
  const b = [...theirWarnings].sort();
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    problems.push(
      `${what}: warnings differ\n  kubeha:  ${a.join(' | ')}\n  ansible: ${b.join(' | ')}`,
    );
  }
  return problems;
}

/** The -y outputs read back by PyYAML: the same data in both tools, and kubeha's --list -y holds its --list. */
export async function yamlProblems(runs: Run[]): Promise<{ checked: number; problems: string[] }> {
  if (!(await pyyamlPython())) return { checked: 0, problems: [] };
  const tasks: { what: string; task: SameYaml | NestedAgainstList }[] = [];
  for (const r of runs) {
    if (!r.mode.includes('-y') || r.ours.code !== 0 || r.theirs.code !== 0) continue;
    tasks.push({ what: r.what, task: { kind: 'yaml', a: r.ours.stdout, b: r.theirs.stdout } });
    const list = runs.find((x) => x.what === r.what.replace(/ -y$/, ''));
    if (r.mode[0] === '--list' && list?.ours.code === 0) {
      tasks.push({
        what: `${r.what} against --list`,
        task: { kind: 'nested', yaml: r.ours.stdout, json: list.ours.stdout },
      });
    }
  }
  const results = await compareWithPyYaml(tasks.map((x) => x.task));
  const problems = results.flatMap((diff, i) =>
    diff ? [`${tasks[i]!.what}: as data: ${diff}`] : [],
  );
  return { checked: tasks.length, problems };
}

/** The warning keys of both tools for one run. */
export function warningsOf(run: Run): { ours: Set<string>; theirs: Set<string> } {
  const cwd = join(FIXTURES, run.what.split(' ')[0]!);
  return {
    ours: kubehaWarnings(run.ours.stderr, cwd),
    theirs: ansibleWarnings(run.theirs.stderr, cwd),
  };
}
