import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandHostPattern, HostPatternError } from '../../src/inventory/host-pattern.js';
import { shlexSplit, ShlexError } from '../../src/inventory/shlex.js';

test('host ranges expand as Ansible expands them', () => {
  assert.deepEqual(expandHostPattern('node[1:3]').hosts, ['node1', 'node2', 'node3']);
  assert.deepEqual(expandHostPattern('cp[01:03]').hosts, ['cp01', 'cp02', 'cp03']);
  assert.deepEqual(expandHostPattern('db-[a:c]').hosts, ['db-a', 'db-b', 'db-c']);
  assert.deepEqual(expandHostPattern('w[1:10:4]').hosts, ['w1', 'w5', 'w9']);
  assert.deepEqual(expandHostPattern('r[1:2]-[a:b]').hosts, ['r1-a', 'r1-b', 'r2-a', 'r2-b']);
  assert.deepEqual(expandHostPattern('n[:2]').hosts, ['n0', 'n1', 'n2']);
  assert.throws(() => expandHostPattern('n[1:]'), HostPatternError);
  assert.throws(() => expandHostPattern('n[01:5]'), HostPatternError);
  assert.throws(() => expandHostPattern('n[c:a]'), HostPatternError);
});

test('ports split off only where Ansible splits them', () => {
  assert.deepEqual(expandHostPattern('10.0.0.1:2222'), { hosts: ['10.0.0.1'], port: 2222 });
  assert.deepEqual(expandHostPattern('[fd00::1]:22'), { hosts: ['fd00::1'], port: 22 });
  assert.deepEqual(expandHostPattern('fd00::1'), { hosts: ['fd00::1'] });
  assert.deepEqual(expandHostPattern('web[1:2]:80'), { hosts: ['web1', 'web2'], port: 80 });
});

test('shlex splits like Python shlex.split(comments=True)', () => {
  assert.deepEqual(shlexSplit('a=b#c d'), ['a=b']);
  assert.deepEqual(shlexSplit('a="x#y" z'), ['a=x#y', 'z']);
  assert.deepEqual(shlexSplit('h x=a\\#b'), ['h', 'x=a#b']);
  assert.deepEqual(shlexSplit('h x="a\\nb"'), ['h', 'x=a\\nb']);
  assert.deepEqual(shlexSplit("h x='it''s'"), ['h', 'x=its']);
  assert.throws(() => shlexSplit('h x="open'), ShlexError);
});
