import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * bin/kubeha is shell and JavaScript at once (docs/ARCHITECTURE.md, "The runtime"):
 * run as a program it execs the checkout's own Node 24 whatever `node` is on PATH;
 * run by an older Node it says which version it needs, in one line, exit 2.
 */
const ROOT = new URL('../../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin/kubeha');
const VERSION = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

test('run as a program, through a symlink and with no node on PATH, bin/kubeha runs on Node 24', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-bin-'));
  try {
    symlinkSync(BIN, join(dir, 'kubeha')); // as npm links a bin
    const r = spawnSync(join(dir, 'kubeha'), ['--version'], {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin' }, // the system's node (if any) comes first
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), VERSION);
    const v = spawnSync(join(dir, 'kubeha'), ['proxy', '--help'], {
      encoding: 'utf8',
      env: { PATH: '/bin' },
    });
    assert.equal(v.status, 0, v.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an older Node running bin/kubeha says which version it needs, in one line, exit 2', (t) => {
  const old = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => {
    if (!existsSync(p)) return false;
    const v = spawnSync(p, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout;
    return Number(v.split('.')[0]) < 24;
  });
  if (!old) return t.skip('no Node older than 24 on this machine to try it with');
  const r = spawnSync(old, [BIN, '--version'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^kubeha: needs Node\.js 24 or newer, this is v\d+\.\d+\.\d+ \(.+\)\n$/);
});
