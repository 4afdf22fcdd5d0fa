import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipwrap, parseHostPort, formatHostPort } from '../../src/shared/address.js';
import { KubehaError } from '../../src/shared/errors.js';

test('ipwrap brackets IPv6 only', () => {
  assert.equal(ipwrap('192.168.10.11'), '192.168.10.11');
  assert.equal(ipwrap('fd00::11'), '[fd00::11]');
  assert.equal(ipwrap('lb.example.com'), 'lb.example.com');
});

test('parseHostPort handles v4, v6 and names', () => {
  assert.deepEqual(parseHostPort('127.0.10.11:6443'), { host: '127.0.10.11', port: 6443 });
  assert.deepEqual(parseHostPort('[::1]:6443'), { host: '::1', port: 6443 });
  assert.deepEqual(parseHostPort('localhost', 6443), { host: 'localhost', port: 6443 });
  assert.equal(formatHostPort({ host: '::1', port: 8081 }), '[::1]:8081');
  for (const bad of ['::1:6443', 'host:99999', ':6443', '[::1', 'h:x']) {
    assert.throws(() => parseHostPort(bad), KubehaError, bad);
  }
});
