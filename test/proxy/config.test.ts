import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { mergeConfig, parseConfigText, validateConfig } from '../../src/proxy/config.js';
import { proxyConfigJsonSchema } from '../../src/proxy/config-schema.js';
import { flagsToConfig } from '../../src/cli/proxy-run.js';
import { KubehaError } from '../../src/shared/errors.js';

const load = (text: string) => {
  const { raw, doc } = parseConfigText(text, 'proxy.yaml');
  return validateConfig(raw, doc);
};

function fails(text: string, expected: RegExp): void {
  assert.throws(
    () => load(text),
    (err: unknown) => {
      assert.ok(err instanceof KubehaError);
      const line = `${err.file}:${err.line}:${err.col}: ${err.message}`;
      assert.match(line, expected);
      return true;
    },
  );
}

test('defaults mirror nginx-proxy where it has an answer, and add health checking', () => {
  const c = load('upstreams: [127.0.10.11:6443]\n');
  assert.deepEqual(c.listen, ['127.0.0.1:6443']);
  assert.equal(c.admin, '127.0.0.1:8081');
  assert.equal(c.algorithm, 'least_conn');
  assert.equal(c.connectTimeout, 1000); // proxy_connect_timeout 1s
  assert.equal(c.idleTimeout, 600_000); // proxy_timeout 10m
  assert.deepEqual(
    { ...c.healthCheck },
    {
      kind: 'https',
      path: '/readyz',
      interval: 1000,
      timeout: 1000,
      rise: 2,
      fall: 2,
      edgeInterval: 200,
      jitter: 0.1,
    },
  );
  assert.equal(c.drainTimeout, 30_000);
  assert.equal(c.shutdownTimeout, 3_000);
  assert.equal(c.bindRetry, 0);
  assert.equal(c.reusePort, true);
  assert.equal(c.unhealthyGrace, 0);
});

test('durations accept units or milliseconds', () => {
  const c = load(
    'upstreams: ["[::1]:6443"]\nconnectTimeout: 250ms\nidleTimeout: 2h\nhealthCheck: {interval: 1500, edgeInterval: 1s}\n',
  );
  assert.equal(c.connectTimeout, 250);
  assert.equal(c.idleTimeout, 7_200_000);
  assert.equal(c.healthCheck.interval, 1500);
  assert.equal(c.healthCheck.edgeInterval, 1000);
});

test('bad input is one line with file:line:col and the key path', () => {
  fails(
    'upstreams: [a:1]\nhealthCheck:\n  rise: 0\n',
    /^proxy\.yaml:3:3: healthCheck\.rise: Too small/,
  );
  fails(
    'upstreams: [a:1]\nhealthCheck:\n  kind: grpc\n',
    /^proxy\.yaml:3:3: healthCheck\.kind: .*"https"/,
  );
  fails(
    'upstreams: [a:1]\nlisten_addr: x\n',
    /^proxy\.yaml:2:1: listen_addr: unknown key "listen_addr"/,
  );
  fails(
    'upstreams: [a:1]\npassive: {maxFails: 1, fail_timeout: 3s}\n',
    /^proxy\.yaml:2:24: passive\.fail_timeout: unknown key "fail_timeout" \(did you mean "failTimeout"\?\)$/,
  );
  fails(
    'upstreams: [a:1]\nhelthCheck: {fall: 2}\n',
    /^proxy\.yaml:2:1: helthCheck: unknown key "helthCheck" \(did you mean "healthCheck"\?\)$/,
  );
  fails(
    'upstreams: [a:1]\nlisten: "::1:6443"\n',
    /^proxy\.yaml:2:1: listen: invalid address "::1:6443"/,
  );
  fails(
    'upstreams:\n  - 127.0.10.11:6443\n  - "::1:6443"\n',
    /^proxy\.yaml:3:5: upstreams\.1: invalid address "::1:6443": IPv6 addresses need brackets/,
  );
  fails(
    'upstreams: [a:1]\nconnectTimeout: soon\n',
    /^proxy\.yaml:2:1: connectTimeout: expected a duration/,
  );
  fails('upstreams: []\n', /^proxy\.yaml:1:1: upstreams: Too small/);
  fails('upstreams: [a:1\n', /^proxy\.yaml:\d+:\d+: /);
  fails('- a\n', /the configuration must be a mapping/);
});

test('flags override the file; health-check flags merge into its healthCheck', () => {
  const { raw } = parseConfigText(
    'upstreams: [127.0.10.11:6443]\nhealthCheck: {interval: 2s, path: /livez}\n',
  );
  const flags = flagsToConfig({
    upstream: ['127.0.10.12:6443'],
    healthPath: '/readyz',
    admin: 'off',
    algorithm: 'first',
  });
  const c = validateConfig(mergeConfig(raw, flags));
  assert.deepEqual(c.upstreams, ['127.0.10.12:6443']);
  assert.equal(c.healthCheck.path, '/readyz');
  assert.equal(c.healthCheck.interval, 2000);
  assert.equal(c.admin, null);
  assert.equal(c.algorithm, 'first');
});

test('the published JSON Schema is the one the zod schema generates', async () => {
  const published = JSON.parse(
    await readFile(new URL('../../../schema/proxy-config.schema.json', import.meta.url), 'utf8'),
  );
  assert.deepEqual(published, JSON.parse(JSON.stringify(proxyConfigJsonSchema())));
  assert.equal(published.additionalProperties, false);
  assert.deepEqual(published.required, ['upstreams']);
});

test('one listen address may be a string', () => {
  assert.deepEqual(load('upstreams: [a:1]\nlisten: "127.0.0.1:16443"\n').listen, [
    '127.0.0.1:16443',
  ]);
  assert.deepEqual(load('upstreams: [a:1]\n').listen, ['127.0.0.1:6443']);
});

test('every problem in a configuration is reported at once, one line each', () => {
  const text =
    'upstreams: [a:1]\nhealthCheck: {fall: "2", interval: fast, fal: 1}\nlisten_addr: x\n';
  assert.throws(
    () => load(text),
    (err: unknown) => {
      assert.ok(err instanceof KubehaError);
      const lines = [err, ...err.also].map((e) => `${e.file}:${e.line}:${e.col}: ${e.message}`);
      assert.deepEqual(lines.sort(), [
        'proxy.yaml:2:15: healthCheck.fall: Invalid input: expected number, received string',
        'proxy.yaml:2:26: healthCheck.interval: expected a duration such as 200ms, 1s, 10m',
        'proxy.yaml:2:42: healthCheck.fal: unknown key "fal" (did you mean "fall"?)',
        'proxy.yaml:3:1: listen_addr: unknown key "listen_addr"',
      ]);
      return true;
    },
  );
});

test('port 0 binds a port the kernel picks: listen and admin only, and with one worker', () => {
  const cfg = validateConfig({
    listen: '127.0.0.1:0',
    admin: '[::1]:0',
    upstreams: ['127.0.10.11:6443'],
  });
  assert.deepEqual([cfg.listen, cfg.admin], [['127.0.0.1:0'], '[::1]:0']);
  assert.throws(
    () => validateConfig({ upstreams: ['127.0.10.11:0'] }),
    /upstreams\.0: invalid address "127\.0\.10\.11:0": port out of range 1-65535/,
  );
  assert.throws(
    () => validateConfig({ listen: ['127.0.0.1:0'], workers: 2, upstreams: ['127.0.10.11:6443'] }),
    /listen\.0: port 0 \(the kernel picks one\) needs workers: 1/,
  );
});
