import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { haveAnsible, kubeha, mapLimit } from '../helpers/ansible.js';
import {
  FIXTURES,
  problemsOf,
  runCase,
  warningsOf,
  yamlProblems,
  type Run,
} from '../helpers/differential.js';
import { pyyamlPython } from '../helpers/pyyaml.js';

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
 * The tests after the corpus one name each case of issue 14 and check that its
 * fixtures really exercise it, on the same runs.
 *
 * A fixture's case.json may set: sources (default: the one inventory file there),
 * extraVars, graphs (more --graph groups), hosts (default: the first host Ansible
 * lists), env (for both tools, e.g. ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED) and
 * graphVars: false.
 */
// DIFF_CASES=24,29 runs only the fixtures whose names start with those words (while developing)
const only = process.env.DIFF_CASES?.split(',').filter(Boolean);
const cases = readdirSync(FIXTURES)
  .sort()
  .filter((c) => !only || only.some((w) => c.startsWith(w)));

test('the corpus has at least 20 inventories', () => {
  assert.ok(only || cases.length >= 20, `only ${cases.length} cases`);
});

let corpus: Promise<Run[]> | undefined;
/** All fixtures through both tools, once for all the tests of this file. */
const corpusRuns = () => (corpus ??= mapLimit(cases, 2, runCase).then((r) => r.flat()));

async function needAnsible(t: TestContext): Promise<boolean> {
  if (await haveAnsible()) return true;
  console.error(
    '\n!!! ansible-inventory is not installed: the differential test is SKIPPED (apt-get install ansible) !!!\n',
  );
  t.skip('ansible-inventory not installed');
  return false;
}

/** The run of fixture `name` in `mode`, which must have agreed with Ansible. */
async function agreed(name: string, mode: string): Promise<Run> {
  const run = (await corpusRuns()).find((r) => r.what === `${name} ${mode}`);
  assert.ok(run, `no run ${name} ${mode}`);
  assert.deepEqual(problemsOf(run), []);
  return run;
}

test('kubeha inventory matches ansible-inventory on every corpus inventory', async (t) => {
  if (!(await needAnsible(t))) return;
  const runs = await corpusRuns();
  const problems = runs.flatMap(problemsOf);
  // stdout already matched byte for byte where it could; this proves the YAML also
  // reads back as the same data, and that kubeha's --list -y holds its --list.
  const yaml = await yamlProblems(runs);
  problems.push(...yaml.problems);
  if (await pyyamlPython())
    assert.ok(only || yaml.checked > 40, `only ${yaml.checked} YAML comparisons`);
  assert.ok(only || runs.length > 200, `only ${runs.length} runs`);
  assert.deepEqual(problems, []);
});

const fixture = (name: string) => cases.includes(name);

test("item 1: --list -y is Ansible's nested inventory format", async (t) => {
  if (!(await needAnsible(t)) || !fixture('15-kubespray-mycluster')) return;
  for (const name of ['07-yaml-basic', '15-kubespray-mycluster']) {
    const run = await agreed(name, '--list -y');
    assert.match(run.theirs.stdout, /^all:\n {2}children:\n/);
    assert.doesNotMatch(run.theirs.stdout, /_meta|hostvars/);
  }
});

test('item 2: strings PyYAML would re-type are quoted; dates and shared values as PyYAML writes them', async (t) => {
  if (!(await needAnsible(t)) || !fixture('24-yaml-roundtrip')) return;
  const run = await agreed('24-yaml-roundtrip', '--list -y');
  for (const line of [
    "no_str: 'no'",
    "on_str: 'on'",
    "time_str: '12:30'",
    "date_str: '2024-01-01'",
    'rocket_str: "go \\U0001F680"',
    'also_shared: &id',
  ]) {
    assert.ok(run.theirs.stdout.includes(line), `ansible-inventory's -y has ${line}`);
  }
  // real dates stay unquoted (shared by the hosts, so with an anchor)
  assert.match(run.theirs.stdout, /real_date: (&id\d+ )?2024-01-01\n/);
  assert.match(run.theirs.stdout, /real_datetime: (&id\d+ )?2024-01-02 03:04:05.500000\+01:00\n/);
  const host = await agreed('24-yaml-roundtrip', '--host h1 -y');
  assert.match(host.theirs.stdout, /^'': empty key$/m);
  const yaml = await yamlProblems([run, host, await agreed('24-yaml-roundtrip', '--list')]);
  assert.deepEqual(yaml.problems, []);
});

test("item 3: empty and unparsable sources follow Ansible's plugin order, warnings and settings", async (t) => {
  if (!(await needAnsible(t)) || !fixture('38-dir-without-inventory')) return;
  // an empty hosts.yml, and empty or comment-only files in a directory: parsed by the INI plugin
  for (const name of ['25-empty-yaml', '26-dir-empty-extra']) {
    const run = await agreed(name, '--list');
    assert.equal(run.theirs.code, 0);
    assert.deepEqual([...warningsOf(run).theirs], []);
  }
  // the planner reads that directory too
  const plan = await kubeha(['plan', '-i', 'inv'], join(FIXTURES, '26-dir-empty-extra'));
  assert.equal(plan.code, 0, plan.stderr);
  // a source no plugin parses: warnings, the rest shown, exit 0 …
  for (const [name, key] of [
    ['33-unparsable-warn', 'unparsed:bad.ini'],
    ['37-missing-source', 'unparsed:missing.ini'],
    ['38-dir-without-inventory', 'unparsed:inv'],
  ]) {
    const run = await agreed(name!, '--list');
    assert.equal(run.theirs.code, 0);
    assert.ok(warningsOf(run).theirs.has(key!), `${name}: ${key}`);
  }
  // … unless inventory_any_unparsed_is_failed / inventory_unparsed_is_failed say otherwise
  for (const name of ['34-any-unparsed-failed', '35-unparsed-failed']) {
    const run = await agreed(name, '--list');
    assert.notEqual(run.theirs.code, 0);
    assert.notEqual(run.ours.code, 0);
  }
});

test('item 4: an integer host name in YAML fails the source, leaving what was added', async (t) => {
  if (!(await needAnsible(t)) || !fixture('28-partial-source')) return;
  const alone = await agreed('27-yaml-int-host', '--list');
  assert.ok(warningsOf(alone).theirs.has('failed:hosts.yml:yaml'));
  assert.doesNotMatch(alone.theirs.stdout, /1234/);
  const partial = await agreed('28-partial-source', '--list');
  assert.ok(warningsOf(partial).theirs.has('unparsed:partial.yml'));
  assert.match(partial.theirs.stdout, /"grp1"/);
});

test('item 5: integer and mixed mapping keys keep their type and their order', async (t) => {
  if (!(await needAnsible(t)) || !fixture('31-int-var-name')) return;
  const list = await agreed('29-mixed-keys', '--list');
  assert.ok(warningsOf(list).theirs.has('json-sort'));
  assert.match(list.theirs.stdout, /^\{\n {4}"all"/); // unsorted: "all" before "_meta"
  const graph = await agreed('29-mixed-keys', '--graph all --vars');
  assert.match(graph.theirs.stdout, /\{mixed = \{'a': 1, 0: 2\}\}/);
  const yaml = await agreed('29-mixed-keys', '--list -y');
  assert.match(yaml.theirs.stdout, /mixed:( &id\d+)?\n\s+a: 1\n\s+0: 2\n/);
  // an integer variable name: --graph --vars cannot sort it, in either tool
  assert.notEqual((await agreed('31-int-var-name', '--graph all --vars')).theirs.code, 0);
  // a date as a key: JSON cannot hold it, YAML can
  assert.notEqual((await agreed('30-date-keys', '--list')).theirs.code, 0);
  assert.equal((await agreed('30-date-keys', '--list -y')).theirs.code, 0);
});

test("item 6: the warnings on stderr, and nothing of Node's own", async (t) => {
  if (!(await needAnsible(t)) || !fixture('32-yaml-warnings')) return;
  const run = await agreed('32-yaml-warnings', '--list');
  const { ours } = warningsOf(run);
  for (const key of [
    'group-name-chars',
    'dup-key:hosts.yml:dup',
    'dup-key:hosts.yml:b',
    'skip-key:kube_node:extra',
    'skip-group:oops',
  ]) {
    assert.ok(ours.has(key), key);
  }
  const stray = (await corpusRuns()).flatMap((r) =>
    r.ours.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('kubeha: ')),
  );
  assert.deepEqual(stray, []);
});
