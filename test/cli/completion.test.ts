import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KUBEHA_BIN } from '../helpers/ansible.js';
import { kubehaCli as kubeha } from '../helpers/kubeha-cli.js';

/**
 * `kubeha completion bash|zsh|fish`, loaded into the real shells: bash's
 * programmable completion (complete -p, the function run as bash runs it), fish's
 * `complete -C`, zsh's compinit registry.
 */
const tmp = mkdtempSync(join(tmpdir(), 'kubeha-completion-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
// `kubeha` on PATH for the shells, as an installed one is
const bin = join(tmp, 'bin');
mkdirSync(bin);
symlinkSync(KUBEHA_BIN, join(bin, 'kubeha'));
const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
const have = (shell: string) => spawnSync(shell, ['-c', 'true']).status === 0;

/** What bash completes for `words` (the last one being completed), run in `cwd`. */
function bashComplete(script: string, words: string[], cwd = tmp): string[] {
  const file = join(tmp, 'kubeha.bash');
  writeFileSync(file, script);
  const line = words.map((w) => `'${w}'`).join(' ');
  const r = spawnSync(
    'bash',
    [
      '-c',
      `source ${file}; complete -p kubeha; COMP_WORDS=(${line}); COMP_CWORD=${words.length - 1}; _kubeha_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { cwd, encoding: 'utf8', env },
  );
  assert.equal(r.status, 0, r.stderr);
  const [registered, ...out] = r.stdout.trimEnd().split('\n');
  assert.equal(registered, 'complete -F _kubeha_complete kubeha');
  return out.filter((l) => l !== '');
}

/** Every option `kubeha CMD --help` lists (commander's own view). */
function helpOptions(cmd: string): string[] {
  const help = kubeha(cmd, '--help').out;
  return [...help.matchAll(/^ {2}(?:(-\w), )?(--[\w-]+)/gm)].flatMap((m) =>
    m[1] ? [m[1], m[2]!] : [m[2]!],
  );
}

test('bash: sourcing registers the completion; commands, every option, values and paths complete', () => {
  const r = kubeha('completion', 'bash');
  assert.equal(r.code, 0, r.err);
  const script = r.out;
  assert.deepEqual(bashComplete(script, ['kubeha', 'pl']), ['plan']);
  assert.deepEqual(bashComplete(script, ['kubeha', 'co']), ['compare', 'completion']);
  for (const cmd of [
    'inventory',
    'plan',
    'render',
    'lint',
    'proxy',
    'simulate',
    'compare',
    'lab',
  ]) {
    const offered = new Set(bashComplete(script, ['kubeha', cmd, '-']));
    for (const o of helpOptions(cmd)) assert.ok(offered.has(o), `${cmd} ${o} completes`);
  }
  assert.deepEqual(bashComplete(script, ['kubeha', 'plan', '-o', '']), [
    'table',
    'wide',
    'json',
    'yaml',
    'diagram',
    'mermaid',
  ]);
  assert.deepEqual(bashComplete(script, ['kubeha', 'lint', '--output', 's']), ['sarif']);
  assert.deepEqual(bashComplete(script, ['kubeha', 'proxy', '--algorithm', 'r']), [
    'round_robin',
    'random_two',
  ]);
  assert.deepEqual(bashComplete(script, ['kubeha', 'completion', '']), ['bash', 'zsh', 'fish']);
  assert.deepEqual(bashComplete(script, ['kubeha', 'help', 'ren']), ['render']);
  // paths: -i takes files and directories, --out and --facts directories only
  const cwd = join(tmp, 'cwd');
  mkdirSync(join(cwd, 'inventory'), { recursive: true });
  writeFileSync(join(cwd, 'inv.ini'), '');
  assert.deepEqual(bashComplete(script, ['kubeha', 'plan', '-i', 'in'], cwd).sort(), [
    'inv.ini',
    'inventory',
  ]);
  assert.deepEqual(bashComplete(script, ['kubeha', 'render', '--out', 'in'], cwd), ['inventory']);
  // a value kubeha cannot guess (-e KEY=VALUE) offers nothing rather than options
  assert.deepEqual(bashComplete(script, ['kubeha', 'plan', '-e', '']), []);
});

test(
  'fish: complete -C answers from the loaded script',
  { skip: !have('fish') && 'no fish' },
  () => {
    const file = join(tmp, 'kubeha.fish');
    writeFileSync(file, kubeha('completion', 'fish').out);
    const complete = (line: string) => {
      const r = spawnSync('fish', ['-c', `source ${file}; complete -C '${line}'`], {
        encoding: 'utf8',
        env,
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split('\t')[0]);
    };
    assert.deepEqual(complete('kubeha pl'), ['plan']);
    assert.deepEqual(complete('kubeha lint -o ').sort(), ['json', 'sarif', 'text']);
    assert.ok(complete('kubeha render --').includes('--prune'));
  },
);

test(
  'zsh: the script parses and registers _kubeha with compinit',
  { skip: !have('zsh') && 'no zsh' },
  () => {
    const file = join(tmp, '_kubeha');
    writeFileSync(file, kubeha('completion', 'zsh').out);
    assert.equal(spawnSync('zsh', ['-n', file]).status, 0);
    const r = spawnSync(
      'zsh',
      [
        '-fc',
        `autoload -Uz compinit; compinit -u -D -d ${tmp}/zcompdump; source ${file}; print -r -- $_comps[kubeha]`,
      ],
      { encoding: 'utf8', env },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '_kubeha');
  },
);

test('an unknown shell is a one-line usage error', () => {
  const r = kubeha('completion', 'tcsh');
  assert.equal(r.code, 2);
  assert.match(r.err, /^kubeha: no completion for shell "tcsh" \(use bash, zsh or fish\)\n$/);
});
