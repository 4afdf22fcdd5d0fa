import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ansibleInventory,
  haveAnsible,
  kubeha,
  mapLimit,
  REPO_ROOT,
  type Ran,
} from '../helpers/ansible.js';
import {
  compareWithPyYaml,
  pyyamlPython,
  type NestedAgainstList,
  type SameYaml,
} from '../helpers/pyyaml.js';
import { ansibleWarnings, kubehaWarnings } from '../helpers/warnings.js';

/**
 * Differential test: every inventory under test/fixtures/inventory is read by the
 * real `ansible-inventory` and by `kubeha inventory`, in every mode — `--list`,
 * `--list -y`, `--graph` (and `--graph --vars`), `--host H` and `--host H -y` —
 * and the two must agree on:
 * - stdout, byte for byte;
 * - success or failure (exit code 0 or not);
 * - the warnings on stderr, by content (test/helpers/warnings.ts);
 * - for `-y`, the data PyYAML reads from it; and kubeha's `--list -y` must carry
 *   the same inventory as its `--list`.
 *
 * A fixture's case.json may set: sources (default: the one inventory file there),
 * extraVars, graphs (more --graph groups), hosts (default: the first host Ansible
 * lists), env (for both tools, e.g. ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED) and
 * graphVars: false.
 */
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'inventory');

interface CaseSpec {
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

interface Run {
  what: string;
  mode: string[];
  ours: Ran;
  theirs: Ran;
}

// DIFF_CASES=24,29 runs only the fixtures whose names start with those words (while developing)
const only = process.env.DIFF_CASES?.split(',').filter(Boolean);
const cases = readdirSync(FIXTURES)
  .sort()
  .filter((c) => !only || only.some((w) => c.startsWith(w)));

test('the corpus has at least 20 inventories', () => {
  assert.ok(only || cases.length >= 20, `only ${cases.length} cases`);
});

async function runCase(name: string): Promise<Run[]> {
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

function problemsOf(run: Run): string[] {
  const { what, ours, theirs } = run;
  const problems: string[] = [];
  if ((ours.code === 0) !== (theirs.code === 0)) {
    problems.push(
      `${what}: exit ${ours.code} but ansible-inventory exits ${theirs.code}\n  kubeha: ${ours.stderr}\n  ansible: ${theirs.stderr}`,
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

test('kubeha inventory matches ansible-inventory on every corpus inventory', async (t) => {
  if (!(await haveAnsible())) {
    console.error(
      '\n!!! ansible-inventory is not installed: the differential test is SKIPPED (apt-get install ansible) !!!\n',
    );
    t.skip('ansible-inventory not installed');
    return;
  }
  const runs = (await mapLimit(cases, 2, runCase)).flat();
  const problems = runs.flatMap(problemsOf);
  // stdout already matched byte for byte where it could; this proves the YAML also
  // reads back as the same data, and that kubeha's --list -y holds its --list.
  if (await pyyamlPython()) {
    const tasks: { what: string; task: SameYaml | NestedAgainstList }[] = [];
    for (const r of runs) {
      if (!r.mode.includes('-y') || r.ours.code !== 0 || r.theirs.code !== 0) continue;
      tasks.push({ what: r.what, task: { kind: 'yaml', a: r.ours.stdout, b: r.theirs.stdout } });
      const list = runs.find((x) => x.what === r.what.replace(/ -y$/, ''))!;
      if (r.mode[0] === '--list' && list.ours.code === 0) {
        tasks.push({
          what: `${r.what} against --list`,
          task: { kind: 'nested', yaml: r.ours.stdout, json: list.ours.stdout },
        });
      }
    }
    const results = await compareWithPyYaml(tasks.map((x) => x.task));
    results.forEach((diff, i) => {
      if (diff) problems.push(`${tasks[i]!.what}: as data: ${diff}`);
    });
    assert.ok(only || tasks.length > 40, `only ${tasks.length} YAML comparisons`);
  }
  assert.ok(only || runs.length > 200, `only ${runs.length} runs`);
  assert.deepEqual(problems, []);
});
