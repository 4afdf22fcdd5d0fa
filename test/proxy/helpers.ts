/** Test scaffolding: a lab cluster plus a proxy daemon in-process, on free loopback ports. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { ProxyDaemon } from '../../src/proxy/daemon.js';
import { validateConfig } from '../../src/proxy/config.js';
import type { ProxyConfigInput } from '../../src/proxy/config-schema.js';
import { startLabCluster, type LabCluster, type LabClusterOptions } from '../../src/lab/cluster.js';

import { freePort } from '../../src/shared/free-port.js';

export { freePort };

/** The port of an address kubeha bound with port 0, as listenAddresses()/adminAddress() give it. */
export function boundPort(address: string | undefined): number {
  const port = Number(/:(\d+)$/.exec(address ?? '')?.[1]);
  if (!port) throw new Error(`not a bound address: ${address}`);
  return port;
}

export interface LogLine {
  level: number;
  msg: string;
  upstream?: string;
  to?: string;
  [k: string]: unknown;
}

export interface Rig {
  lab: LabCluster;
  daemon: ProxyDaemon;
  port: number;
  adminPort: number;
  logs: LogLine[];
  upstreams: string[];
  close(): Promise<void>;
}

/**
 * Fast checks for tests: the defaults' shape, scaled down. The timeout is sized for a
 * loaded 2-core machine, where an in-process TLS handshake can take hundreds of ms:
 * a check timing out there would turn a healthy upstream unhealthy and move
 * connections a test counts.
 */
export const FAST_CHECKS = {
  interval: '200ms',
  timeout: '1500ms',
  edgeInterval: '50ms',
  jitter: 0.1,
  rise: 2,
  fall: 2,
} as const;

/** A debug-level logger whose lines are parsed into `logs`. */
export function logCollector(): { logs: LogLine[]; logger: Logger } {
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n'))
        if (line) logs.push(JSON.parse(line) as LogLine);
      cb();
    },
  });
  return { logs, logger: pino({ level: 'debug' }, sink) };
}

export async function startRig(
  overrides: Partial<ProxyConfigInput> = {},
  labOpts: LabClusterOptions = {},
): Promise<Rig> {
  const lab = await startLabCluster({ watchEventIntervalMs: 50, ...labOpts });
  const upstreams = lab.servers.map((s) => s.address);
  const { logs, logger } = logCollector();
  // Discovery trusts only a verified endpoint list: give it the lab's CA.
  let caFile: string | undefined;
  let stateDir: string | undefined;
  if ((overrides.discovery as { kubernetesEndpoints?: boolean } | undefined)?.kubernetesEndpoints) {
    stateDir = mkdtempSync(join(tmpdir(), 'kubeha-rig-'));
    caFile = join(stateDir, 'ca.crt');
    writeFileSync(caFile, lab.ca.cert);
  }
  const cfg = validateConfig({
    listen: ['127.0.0.1:0'],
    upstreams,
    admin: '127.0.0.1:0',
    shutdownTimeout: '200ms',
    ...(stateDir ? { stateDir } : {}),
    ...overrides,
    healthCheck: {
      ...FAST_CHECKS,
      ...(caFile ? { caFile } : {}),
      ...(overrides.healthCheck ?? {}),
    },
  } as Record<string, unknown>);
  const daemon = new ProxyDaemon(cfg, { logger, version: 'test' });
  try {
    await daemon.start();
  } catch (err) {
    await lab.close();
    throw err;
  }
  const port = boundPort(daemon.listenAddresses()[0]);
  const adminPort = boundPort(daemon.adminAddress());
  return {
    lab,
    daemon,
    port,
    adminPort,
    logs,
    upstreams,
    close: async () => {
      await daemon.stop(100);
      await lab.close();
    },
  };
}

/**
 * Waits until every upstream has had its first check and those on a serving lab
 * server are healthy: a test that counts connections per upstream needs every one
 * taking its share.
 */
export async function settled(rig: Rig, ms = 10_000): Promise<void> {
  const ok = (u: { key: string; health: { health: string } }) => {
    const lab = rig.lab.servers.find((s) => s.address === u.key);
    if (!lab || lab.stats().mode !== 'serving') return u.health.health !== 'unknown';
    return u.health.health === 'healthy';
  };
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (rig.daemon.pool.upstreams.every(ok)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('upstreams never checked');
}

export function healthOf(rig: Rig, address: string): string | undefined {
  return rig.daemon.pool.upstreams.find((u) => u.key === address)?.health.health;
}

/** Parses Prometheus text into `name{labels}` -> value. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

export async function adminGet(rig: Rig, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${rig.adminPort}${path}`);
  return { status: res.status, body: await res.text() };
}
