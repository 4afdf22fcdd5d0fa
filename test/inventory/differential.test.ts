import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ansibleInventory, haveAnsible, kubeha, mapLimit, REPO_ROOT } from '../helpers/ansible.js';

/**
 * Differential test: every inventory under test/fixtures/inventory is read by the
 * real `ansible-inventory` and by `kubeha inventory`; `--list` JSON and `--graph`
 * text must be identical, byte for byte.
 */
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'inventory');

interface CaseSpec {
  sources?: string[];
  extraVars?: string[];
  graphs?: string[];
  /** also compare `--graph all --vars` */
  graphVars?: boolean;
}

function caseSpec(dir: string): Required<CaseSpec> {
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
  return {
    sources,
    extraVars: spec.extraVars ?? [],
    graphs: ['all', ...(spec.graphs ?? [])],
    graphVars: spec.graphVars ?? false,
  };
}

const cases = readdirSync(FIXTURES).sort();

test('the corpus has at least 20 inventories', () => {
  assert.ok(cases.length >= 20, `only ${cases.length} cases`);
});

test('kubeha inventory matches ansible-inventory on every corpus inventory', async (t) => {
  if (!(await haveAnsible())) {
    console.error(
      '\n!!! ansible-inventory is not installed: the differential test is SKIPPED (apt-get install ansible) !!!\n',
    );
    t.skip('ansible-inventory not installed');
    return;
  }
  const results = await mapLimit(cases, 2, async (name) => {
    const dir = join(FIXTURES, name);
    const spec = caseSpec(dir);
    const common = [
      ...spec.sources.flatMap((s) => ['-i', s]),
      ...spec.extraVars.flatMap((e) => ['-e', e]),
    ];
    const runs: { what: string; ours: string; theirs: string; ourErr: string; theirErr: string }[] =
      [];
    const modes = [['--list'], ...spec.graphs.map((g) => ['--graph', g])];
    if (spec.graphVars) modes.push(['--graph', 'all', '--vars']);
    for (const mode of modes) {
      const [ours, theirs] = await Promise.all([
        kubeha(['inventory', ...common, ...mode], dir),
        ansibleInventory([...common, ...mode], dir),
      ]);
      runs.push({
        what: `${name} ${mode.join(' ')}`,
        ours: ours.stdout,
        theirs: theirs.stdout,
        ourErr: ours.stderr,
        theirErr: theirs.stderr,
      });
    }
    return runs;
  });
  for (const run of results.flat()) {
    assert.ok(
      run.theirs.length > 0,
      `${run.what}: ansible-inventory printed nothing: ${run.theirErr}`,
    );
    assert.equal(run.ours, run.theirs, `${run.what} differs (kubeha stderr: ${run.ourErr})`);
  }
});
