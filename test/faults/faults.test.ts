/**
 * Real network faults between a worker's `kubeha proxy` and three control planes,
 * each in a network namespace of its own (topology.ts). Needs root, `ip netns` and
 * nft; CI runs it as root (`.ci/run` installs nftables). `npm run test:faults` runs
 * only this suite.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { removeLeftovers, unavailable } from './topology.js';
import { runInNamespaces } from './run-in-namespaces.js';
import { CONNECT_TIMEOUT_MS, HEALTH_BOUND_MS, type ScenarioName } from './scenarios.js';

const DRIVER = new URL('./driver.js', import.meta.url).pathname;
const skip = unavailable() ?? false;
/** Slack on top of a bound for a loaded 2-core machine (process start, TLS, scheduling). */
const SLACK_MS = 3000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Result = Record<string, any>;
const run = (name: ScenarioName, seconds?: number): Promise<Result> =>
  runInNamespaces<Result>(
    name,
    DRIVER,
    ['--scenario', name, ...(seconds ? ['--seconds', String(seconds)] : [])],
    ((seconds ?? 0) + 90) * 1000,
  );

before(() => {
  if (!skip) removeLeftovers();
});

test(
  'silent host (packets vanish, no reset): new connections fail over within the connect timeout, its stream moves within the health bound',
  { skip },
  async (t) => {
    const r = await run('silent-host');
    t.diagnostic(JSON.stringify(r));
    assert.equal(
      r.onVictim,
      1,
      `least_conn put one of three streams on each server: ${JSON.stringify(r.spreadBefore)}`,
    );
    assert.deepEqual(r.failed, [], 'no failed new connection');
    assert.equal(r.servedByVictim, 0);
    for (const ms of r.requestMs as number[])
      assert.ok(ms <= CONNECT_TIMEOUT_MS + SLACK_MS, `a new connection took ${ms} ms`);
    assert.ok(
      r.unhealthyAfterMs >= 0 && r.unhealthyAfterMs <= HEALTH_BOUND_MS + SLACK_MS,
      `unhealthy after ${r.unhealthyAfterMs} ms`,
    );
    assert.ok(
      r.watchMovedAfterMs >= 0 && r.watchMovedAfterMs <= HEALTH_BOUND_MS + SLACK_MS,
      `stream moved after ${r.watchMovedAfterMs} ms`,
    );
    assert.equal(r.spreadAfter[r.victim], undefined, 'no stream re-opened on the silent host');
    assert.ok(r.recovered, 'healthy again once its packets flow');
  },
);

test(
  'partition flapping every 2-3 s for 30 s: no failed new connection, at most one transition each way per partition',
  { skip },
  async (t) => {
    const r = await run('flapping', 30);
    t.diagnostic(JSON.stringify(r));
    assert.ok(r.partitions >= 5, `${r.partitions} partitions`);
    assert.ok(r.requests >= 50, `${r.requests} requests`);
    assert.deepEqual(r.failed, [], 'no failed new connection while two servers are healthy');
    assert.ok(
      r.inFlightAtPartition.length <= 2 * r.partitions,
      `at most the two loops' requests in flight per partition: ${r.inFlightAtPartition.length}`,
    );
    assert.equal(r.watchOpenFailures, 0, 'no watch failed to re-open');
    const seq = r.victimTransitions as string[];
    assert.ok(
      seq.length <= 2 * r.partitions,
      `${seq.length} transitions for ${r.partitions} partitions: ${seq.join(' ')}`,
    );
    for (let i = 1; i < seq.length; i++)
      assert.notEqual(seq[i], seq[i - 1], `alternating: ${seq.join(' ')}`);
    assert.equal(r.otherTransitions, 0, 'the healthy servers never flip');
    assert.ok(r.recovered);
  },
);

test(
  'TCP resets mid-stream: the client sees its stream close, the others stay, the counters stay right',
  { skip },
  async (t) => {
    const r = await run('resets');
    t.diagnostic(JSON.stringify(r));
    assert.equal(r.hit, 1);
    assert.ok(
      r.closedAfterMs >= 0 && r.closedAfterMs <= 5000,
      `stream closed after ${r.closedAfterMs} ms`,
    );
    assert.equal(r.sparedOpen, r.spared, 'streams on the other servers stay open');
    assert.deepEqual(r.failed, []);
    assert.equal(r.active[r.victim], 0, 'no connection counted on the reset server');
    for (const [addr, n] of Object.entries(r.clientView))
      assert.equal(r.active[addr], n, `active on ${addr}`);
    assert.equal(r.totalConnections, r.clientConnections, 'every client connection counted once');
    assert.equal(r.proxyConnections, r.sparedOpen, 'open connections: the surviving streams');
    assert.equal(r.failedConnections, 0, 'a reset stream is not a failed connection');
  },
);

test(
  '200 ms added latency on one control plane: least_conn does not prefer it, its checks pass',
  { skip },
  async (t) => {
    const r = await run('latency', 8);
    t.diagnostic(JSON.stringify(r));
    assert.deepEqual(r.failed, []);
    const slow = r.servedBy[r.slow] ?? 0;
    const fast = Object.entries(r.servedBy as Record<string, number>)
      .filter(([k]) => k !== r.slow)
      .map(([, n]) => n);
    assert.equal(fast.length, 2);
    assert.ok(
      slow < Math.min(...fast),
      `slow server served ${slow}, the others ${fast.join(', ')}`,
    );
    assert.equal(
      r.checks[`${r.slow.split(':')[0]}:7443`]?.health,
      'healthy',
      'checks tolerate 200 ms',
    );
    assert.equal(r.transitions, 0);
  },
);

test(
  'all three control planes partitioned, then healed one by one: panic mode, recovery, the streams spread again',
  { skip },
  async (t) => {
    const r = await run('all-partitioned');
    t.diagnostic(JSON.stringify(r));
    assert.ok(
      r.panicAfterMs >= 0 && r.panicAfterMs <= HEALTH_BOUND_MS + SLACK_MS,
      `panic after ${r.panicAfterMs} ms`,
    );
    assert.equal(r.readyzInPanic, 503, '/readyz says not ready in panic');
    assert.ok(r.recoveredAfterMs >= 0, 'panic over once the first server is healthy');
    assert.ok(r.reconnected, 'every stream open again');
    assert.deepEqual(r.failed, [], 'new connections succeed after recovery');
    assert.ok(r.allHealed, 'every server healthy after its heal');
    assert.ok(
      r.spreadAfterMs >= 0,
      `every server holds 60-140 % of an even share within 60 s of the last recovery: ${JSON.stringify(r.spreadAfter)}`,
    );
  },
);

test(
  'the suite removes its namespaces when a scenario fails, and a crashed run’s leftovers at start',
  { skip },
  async () => {
    const failing = runInNamespaces(
      'broken',
      DRIVER,
      ['--scenario', 'no-such-scenario'],
      30_000,
      () => {},
    );
    await assert.rejects(failing, /driver exited 1/);
    const mine = new RegExp(`^khf${process.pid}-broken-`);
    assert.deepEqual(
      namespaces().filter((n) => mine.test(n)),
      [],
    );

    // A run whose process is gone left a namespace behind: the next run removes it.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const leftover = `khf${dead}-crashed-w`;
    execFileSync('ip', ['netns', 'add', leftover]);
    try {
      assert.ok(removeLeftovers().includes(leftover));
      assert.ok(!namespaces().includes(leftover));
    } finally {
      spawnSync('ip', ['netns', 'del', leftover]);
    }
  },
);

function namespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
}
