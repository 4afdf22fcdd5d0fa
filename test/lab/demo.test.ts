/**
 * `kubeha demo` as a user runs it (bin/kubeha, a real proxy child process, the
 * lab on loopback): it tells the whole story with the numbers the story is
 * about, and whatever ends it — the end, Ctrl-C, a crashed proxy — nothing it
 * started is left listening or running.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { httpsGet, waitFor } from './tls-client.js';
import { KUBEHA_BIN } from '../helpers/ansible.js';
import type { DemoSummary } from '../../src/lab/demo-summary.js';

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

/** `group`: in a process group of its own, as a shell runs a job (Ctrl-C reaches the whole group). */
function startDemo(args: string[], group = false): Run {
  const child = spawn(process.execPath, [KUBEHA_BIN, 'demo', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: group,
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, err: () => err, exited };
}

/** Ends a run that a failed assertion left behind. */
async function reap(run: Run): Promise<void> {
  if (run.child.exitCode === null && run.child.signalCode === null) {
    run.child.kill('SIGINT');
    const done = await Promise.race([run.exited.then(() => true), sleep(15_000)]);
    if (!done) run.child.kill('SIGKILL'); // its 'exit' handler cannot run: see assertAllStopped's failure
  }
}

const sleep = (ms: number) => new Promise<false>((r) => setTimeout(() => r(false), ms));

/** The exit code, or 'still running' when the demo does not end within `ms`. */
function exitOf(run: Run, ms = 30_000): Promise<number | null | 'still running'> {
  return Promise.race([run.exited, sleep(ms).then(() => 'still running' as const)]);
}

function accepts(address: string): Promise<boolean> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const s = connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) });
    s.setTimeout(2000, () => s.destroy());
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('close', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Nothing listens on any address, and the proxy process is gone. */
async function assertAllStopped(addresses: string[], proxyPid: number): Promise<void> {
  assert.ok(addresses.length >= 5, `addresses: ${addresses.join(' ')}`);
  for (const a of addresses)
    assert.equal(await accepts(a), false, `${a} still accepts connections`);
  assert.equal(alive(proxyPid), false, `kubeha proxy pid ${proxyPid} still runs`);
}

/** What the plain output's setup lines name: the proxy's pid, its addresses and the lab's. */
function setupFacts(text: string): { pid: number; addresses: string[] } {
  const proxy = /kubeha proxy \(pid (\d+)\) listens on (\S+) .*status page http:\/\/([^/]+)\//.exec(
    text,
  );
  assert.ok(proxy, text);
  const lab = [...text.matchAll(/-> lab API server (\S+)/g)].map((m) => m[1]!);
  return { pid: Number(proxy[1]), addresses: [proxy[2]!, proxy[3]!, ...lab] };
}

test('kubeha demo --json: the whole story in under 60 s, with the numbers it is about', async () => {
  const run = startDemo(['--json']);
  try {
    assert.equal(await exitOf(run, 90_000), 0, run.err());
    const sum = JSON.parse(run.out()) as DemoSummary;
    assert.equal(sum.ok, true, sum.problems.join('; '));
    assert.ok(sum.durationMs < 60_000, `took ${sum.durationMs} ms`);
    assert.equal(sum.inventory, 'examples/mycluster/inventory.ini');
    assert.equal(sum.node, 'k8s-node4');
    assert.deepEqual(
      sum.upstreams.map((u) => [u.node, u.planned, u.address.split(':')[0]]),
      [
        ['k8s-node1', '192.168.10.11:6443', '127.0.10.11'],
        ['k8s-node2', '192.168.10.12:6443', '127.0.10.12'],
        ['k8s-node3', '192.168.10.13:6443', '127.0.10.13'],
      ],
    );
    assert.equal(sum.steps.length, 5);
    const [steady, dies, hangs, unready, recover] = sum.steps.map((s) => s!);
    // Before anything fails, the watch is on k8s-node1 and traffic reaches all three.
    assert.equal(steady.watch.before, 'k8s-node1');
    assert.equal(steady.watch.brokeAfterMs, null);
    assert.deepEqual(Object.keys(steady.requests.byNode).sort(), [
      'k8s-node1',
      'k8s-node2',
      'k8s-node3',
    ]);
    // node1 dies: noticed, and the watch moves elsewhere.
    assert.deepEqual(
      dies.detections.map((d) => [d.node, d.to]),
      [['k8s-node1', 'unhealthy']],
    );
    assert.equal(dies.watch.before, 'k8s-node1');
    assert.notEqual(dies.watch.movedAfterMs, null, 'the watch moved after k8s-node1 died');
    assert.notEqual(dies.watch.after, 'k8s-node1');
    assert.equal(dies.requests.byNode['k8s-node1'] ?? 0, 0, 'nothing answered by a dead server');
    // node2 hangs: noticed by the timed-out checks.
    assert.deepEqual(
      hangs.detections.map((d) => [d.node, d.to]),
      [['k8s-node2', 'unhealthy']],
    );
    assert.match(hangs.detections[0]!.reason ?? '', /timed out/);
    assert.deepEqual(
      unready.detections.map((d) => [d.node, d.to]),
      [
        ['k8s-node3', 'unhealthy'],
        ['k8s-node1', 'healthy'],
      ],
    );
    assert.match(unready.detections[0]!.reason ?? '', /etcd/);
    assert.equal(recover.detections.length, 2);
    for (const s of sum.steps) {
      for (const d of s.detections) assert.notEqual(d.afterMs, null, `step ${s.n}: ${d.node}`);
      assert.ok(s.requests.total > 0, `step ${s.n} had traffic`);
      assert.equal(
        s.requests.failedWhileHealthy,
        0,
        `step ${s.n}: ${s.requests.errors.join('; ')}`,
      );
    }
    // Wherever the watch was when its server failed, it came back on another one.
    const moves = sum.steps.filter((s) => s.watch.brokeAfterMs !== null);
    assert.ok(moves.length >= 2, 'the watch broke at least when node1 died and once more');
    for (const s of moves) assert.notEqual(s.watch.movedAfterMs, null, `step ${s.n}`);
    assert.equal(sum.totals.failedWhileHealthy, 0);
    assert.equal(
      sum.totals.total,
      sum.steps.reduce((n, s) => n + s.requests.total, 0),
    );
    // Progress went to stderr, plain: a pipe gets no control codes.
    assert.match(run.err(), /^Summary$/m);
    assert.ok(!run.err().includes('\u001b'), 'no control codes');
    await assertAllStopped(
      [sum.proxy.listen, sum.proxy.admin, ...sum.upstreams.map((u) => u.address)],
      sum.proxy.pid,
    );
  } finally {
    await reap(run);
  }
});

test('kubeha demo --keep: status page and kubeconfig stay up until Ctrl-C, which stops all', async () => {
  const run = startDemo(['--keep']);
  try {
    assert.ok(
      await waitFor(() => run.out().includes('Kept running'), 90_000),
      run.out() + run.err(),
    );
    const url = /status page {2}(http:\/\/\S+)/.exec(run.out())![1]!;
    const kubeconfig = /kubeconfig {3}(\S+)/.exec(run.out())![1]!;
    const page = await fetch(url);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.equal([...html.matchAll(/<section class="up"/g)].length, 3);
    // The kubeconfig reaches the lab through the proxy with the admin's certificate.
    const kc = readFileSync(kubeconfig, 'utf8');
    const field = (k: string) =>
      Buffer.from(new RegExp(`${k}: (\\S+)`).exec(kc)![1]!, 'base64').toString();
    const server = new URL(/server: (\S+)/.exec(kc)![1]!);
    const res = await httpsGet({
      host: server.hostname,
      port: Number(server.port),
      path: '/version',
      ca: field('certificate-authority-data'),
      cert: field('client-certificate-data'),
      key: field('client-key-data'),
    });
    assert.equal(res.status, 200);
    assert.match(res.body, /gitVersion/);
    const facts = setupFacts(run.out());
    run.child.kill('SIGINT');
    assert.equal(await exitOf(run), 0, run.err());
    assert.equal(existsSync(dirname(kubeconfig)), false, 'the demo directory is removed');
    await assertAllStopped(facts.addresses, facts.pid);
  } finally {
    await reap(run);
  }
});

test('Ctrl-C during the story stops everything the demo started', async () => {
  const run = startDemo([], true);
  try {
    assert.ok(await waitFor(() => run.out().includes('step 2/5'), 60_000), run.out() + run.err());
    const facts = setupFacts(run.out());
    // as a terminal does: SIGINT to the demo and the proxy process alike
    process.kill(-run.child.pid!, 'SIGINT');
    assert.equal(await exitOf(run), 130, run.err());
    assert.match(run.err(), /^kubeha: interrupted: stopped everything the demo started$/m);
    assert.ok(!run.out().includes('\u001b'), 'no control codes');
    await assertAllStopped(facts.addresses, facts.pid);
  } finally {
    await reap(run);
  }
});

test('a crashed proxy ends the demo, which stops the lab and says why', async () => {
  const run = startDemo([]);
  try {
    assert.ok(await waitFor(() => run.out().includes('step 2/5'), 60_000), run.out() + run.err());
    const facts = setupFacts(run.out());
    process.kill(facts.pid, 'SIGKILL');
    assert.equal(await exitOf(run), 1, run.err());
    assert.match(run.err(), new RegExp(`kubeha proxy \\(pid ${facts.pid}\\) exited on SIGKILL`));
    await assertAllStopped(facts.addresses, facts.pid);
  } finally {
    await reap(run);
  }
});
