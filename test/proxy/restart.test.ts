import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { RestartResult } from './restart-scenario.js';

/**
 * Hitless restart (docs/proxy.md): B starts beside A on the same addresses, A gets
 * SIGTERM; a client opening a connection every 10 ms sees no failure, A's watch is
 * closed after its 1 s drain and reconnects through B, and A exits.
 *
 * The scenario runs in a network namespace of its own with net.ipv4.tcp_migrate_req=1,
 * as docs/proxy.md tells operators to set it: with 0, the kernel resets a connection
 * it queued on A's socket in the instant A closes it (measured: 1 reset in 8 runs on a
 * loaded 2-core machine), which is the kernel's behaviour, not kubeha's.
 */
const SCENARIO = new URL('./restart-scenario.js', import.meta.url).pathname;

function runInNamespace(workers: number): RestartResult {
  const script =
    'ip link set lo up && echo 1 > /proc/sys/net/ipv4/tcp_migrate_req && exec "$0" "$@"';
  const r = spawnSync(
    'unshare',
    ['--net', 'sh', '-c', script, process.execPath, SCENARIO, '--workers', String(workers)],
    { encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(
    r.status,
    0,
    `the restart scenario needs a network namespace (root, unshare, ip):\n${r.error?.message ?? ''}${r.stderr}`,
  );
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as RestartResult;
}

for (const workers of [1, 2]) {
  test(`restart with workers: ${workers}: B beside A, A stopped: no failed connection, watch moves to B, A exits`, () => {
    const r = runInNamespace(workers);
    assert.equal(r.migrateReq, '1');
    // How many connections a loaded machine manages varies; what matters is that the
    // loop kept opening them while A stopped.
    assert.ok(
      r.requestsWhileStopping >= 20,
      `the loop ran while A stopped (${r.requestsWhileStopping} of ${r.requests} connections)`,
    );
    assert.equal(r.failed, 0, `failed connections: ${r.errors.join(', ')}`);
    assert.ok(
      r.watchClosedAfterMs >= 900 && r.watchClosedAfterMs <= 3000,
      `A's watch closed after its 1 s drain (${r.watchClosedAfterMs} ms)`,
    );
    assert.equal(r.aExitCode, 0);
    assert.ok(r.aExitedAfterMs <= 4000, `A exited (${r.aExitedAfterMs} ms)`);
    assert.ok(r.reconnectOpen, 'the reconnected watch is open after A exited');
    assert.ok(r.servedByB >= 1, 'B counts the reconnected watch');
  });
}
