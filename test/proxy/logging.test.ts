import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { KUBEHA_BIN } from '../helpers/ansible.js';
import { kubehaCli } from '../helpers/kubeha-cli.js';
import { formatTextLine, defaultLogFormat } from '../../src/proxy/logger.js';
import { waitFor } from '../lab/tls-client.js';
import { adminGet, freePort, parseMetrics, settled, startRig } from './helpers.js';

test('the text format: time, level name, message, then the fields as key=value', () => {
  const line = JSON.stringify({
    level: 'warn',
    time: '2026-11-30T07:00:00.000Z',
    pid: 7,
    hostname: 'node4',
    upstream: '192.168.10.12:6443',
    reason: '/readyz 500 [etcd failed]',
    msg: 'upstream 192.168.10.12:6443 healthy -> unhealthy: /readyz 500 [etcd failed]',
  });
  assert.equal(
    formatTextLine(line),
    '2026-11-30T07:00:00.000Z WARN  upstream 192.168.10.12:6443 healthy -> unhealthy: /readyz 500 [etcd failed]' +
      '  upstream=192.168.10.12:6443 reason="/readyz 500 [etcd failed]"',
  );
  assert.equal(formatTextLine('not json'), 'not json');
  assert.equal(defaultLogFormat(true), 'text');
  assert.equal(defaultLogFormat(false), 'json');
  assert.equal(defaultLogFormat(undefined), 'json');
});

/** Starts `kubeha proxy` with these flags until it serves, stops it, returns its stdout. */
async function proxyOutput(...flags: string[]): Promise<string> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      KUBEHA_BIN,
      'proxy',
      '--listen',
      `127.0.0.1:${port}`,
      '--admin',
      'off',
      '--upstream',
      '127.0.10.41:6443',
      '--health-check',
      'none',
      ...flags,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  try {
    assert.ok(await waitFor(() => /serving/.test(out), 15_000), out);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    return out;
  } finally {
    child.kill('SIGKILL');
  }
}

test('kubeha proxy logs JSON with level names when stdout is not a terminal, text with --log-format text', async () => {
  const json = (await proxyOutput()).trim().split('\n');
  for (const l of json) {
    const o = JSON.parse(l) as { level: unknown; msg: string };
    assert.ok(['info', 'warn', 'error'].includes(o.level as string), l);
  }
  assert.ok(json.some((l) => /"level":"info".*"msg":"kubeha proxy serving/.test(l)));

  const text = (await proxyOutput('--log-format', 'text', '--workers', '2')).trim().split('\n');
  for (const l of text) assert.match(l, /^\d{4}-\d\d-\d\dT[\d:.]+Z (INFO |WARN |ERROR) /, l);
  assert.ok(
    text.some((l) =>
      / INFO {2}kubeha proxy serving 127\.0\.0\.1:\d+ -> 127\.0\.10\.41:6443/.test(l),
    ),
  );

  const bad = kubehaCli('proxy', '--upstream', '127.0.10.41:6443', '--log-format', 'xml');
  assert.notEqual(bad.code, 0);
  assert.equal(bad.err.trim().split('\n').length, 1, bad.err);
  assert.match(bad.err, /--log-format xml: expected text or json/);
});

test('/metrics has the process_* and nodejs_* collectors (fds, RSS, CPU, event-loop lag)', async () => {
  const rig = await startRig();
  try {
    await settled(rig);
    const m = parseMetrics((await adminGet(rig, '/metrics')).body);
    for (const name of [
      'process_resident_memory_bytes',
      'process_open_fds',
      'process_max_fds',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
    ])
      assert.ok((m.get(name) ?? -1) >= 0, name);
    assert.ok(m.get('process_open_fds')! > 5);
    assert.ok(m.get('process_resident_memory_bytes')! > 10_000_000);
  } finally {
    await rig.close();
  }
});
