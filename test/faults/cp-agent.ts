/**
 * One "control plane" of the fault suite, run inside its namespace by the driver:
 * a lab API server on the namespace's own address (10.251.N.2:6443, which exists
 * only there) and a latency relay on :7443 in front of it. The kernel here has no
 * `tc netem`, so added latency is made in user space: every chunk is held for the
 * delay in each direction, in order.
 *
 * Commands arrive one per line on stdin (unready, ready, hang, die, resume, refuse,
 * stats); each is answered with one JSON line of the server's stats. The agent exits
 * when stdin closes, so it never outlives the driver.
 *
 *   node dist/test/faults/cp-agent.js --host 10.251.1.2 --tls FILE [--delay MS]
 */
import { createServer, connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { LabApiServer } from '../../src/lab/api-server.js';
import { ENDPOINT_LEASE_TTL_MS } from '../../src/lab/cluster.js';
import { LabClusterState } from '../../src/lab/cluster-state.js';
import { ResourceApi } from '../../src/lab/resource-api.js';
import { EXAMPLE_TOPOLOGY } from '../../src/lab/topology.js';
import { API_PORT, RELAY_PORT } from './topology.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};

/** Copies src to dst with every chunk, and the end, held back `delayMs`. */
function delayed(src: Socket, dst: Socket, delayMs: number): void {
  // Timers of one duration fire in the order they were set, so chunks keep their order.
  src.on('data', (chunk) => setTimeout(() => dst.destroyed || dst.write(chunk), delayMs));
  src.on('end', () => setTimeout(() => dst.end(), delayMs));
  src.on('close', () => setTimeout(() => dst.destroy(), delayMs));
  src.on('error', () => {});
}

function startRelay(host: string, delayMs: number): Promise<void> {
  const relay = createServer((client) => {
    const upstream = connect({ host, port: API_PORT });
    delayed(client, upstream, delayMs);
    delayed(upstream, client, delayMs);
  });
  return new Promise((resolve, reject) => {
    relay.once('error', reject);
    relay.listen({ host, port: RELAY_PORT }, resolve);
  });
}

async function main(): Promise<void> {
  const host = arg('host');
  const tlsFile = arg('tls');
  if (!host || !tlsFile) throw new Error('usage: cp-agent --host ADDR --tls FILE [--delay MS]');
  const tls = JSON.parse(readFileSync(tlsFile, 'utf8')) as {
    cert: string;
    key: string;
    ca: string;
  };
  // A store of its own: each control plane runs in its own namespace and process,
  // so the cluster's objects are not shared here (the suite needs only the watch).
  const state = new LabClusterState({
    topology: EXAMPLE_TOPOLOGY,
    endpointLeaseTtlMs: ENDPOINT_LEASE_TTL_MS,
    heartbeatMs: Number(arg('watch-interval') ?? 200),
    leaseRenewMs: 2000,
    leaderLeaseSeconds: 15,
  });
  state.seed([host]);
  const server = new LabApiServer({
    host,
    port: API_PORT,
    tls,
    caCert: tls.ca,
    api: new ResourceApi(state.store, {}),
    onChange: (s) => state.changed(s),
  });
  await server.start();
  state.joined(server);
  await startRelay(host, Number(arg('delay') ?? 200));
  const reply = (extra: object = {}) =>
    process.stdout.write(`${JSON.stringify({ ...server.stats(), ...extra })}\n`);
  reply({ started: true });
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    const cmd = line.trim();
    if (cmd === 'unready') server.unready();
    else if (cmd === 'ready') server.ready();
    else if (cmd === 'hang') server.hang();
    else if (cmd === 'die') await server.die();
    else if (cmd === 'refuse') await server.refuse();
    else if (cmd === 'resume') await server.resume();
    else if (cmd !== 'stats') {
      reply({ error: `unknown command ${cmd}` });
      continue;
    }
    reply();
  }
  await server.close();
  process.exit(0);
}

main().catch((err: Error) => {
  process.stderr.write(`cp-agent: ${err.stack}\n`);
  process.exit(1);
});
