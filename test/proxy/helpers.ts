/** Test scaffolding: a lab cluster plus a proxy daemon in-process, on free loopback ports. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { ProxyDaemon } from '../../src/proxy/daemon.js';
import { validateConfig } from '../../src/proxy/config.js';
import type { ProxyConfigInput } from '../../src/proxy/config-schema.js';
import { startLabCluster, type LabCluster, type LabClusterOptions } from '../../src/lab/cluster.js';

import { freePort } from '../../src/shared/free-port.js';

export { freePort };

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

/** Fast checks for tests: the defaults' shape, scaled down. */
export const FAST_CHECKS = {
  interval: '200ms',
  timeout: '300ms',
  edgeInterval: '50ms',
  jitter: 0.1,
  rise: 2,
  fall: 2,
} as const;

export async function startRig(
  overrides: Partial<ProxyConfigInput> = {},
  labOpts: LabClusterOptions = {},
): Promise<Rig> {
  const lab = await startLabCluster({ watchEventIntervalMs: 50, ...labOpts });
  const port = await freePort();
  const adminPort = await freePort();
  const upstreams = lab.servers.map((s) => s.address);
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n'))
        if (line) logs.push(JSON.parse(line) as LogLine);
      cb();
    },
  });
  // Discovery trusts only a verified endpoint list: give it the lab's CA.
  let caFile: string | undefined;
  if ((overrides.discovery as { kubernetesEndpoints?: boolean } | undefined)?.kubernetesEndpoints) {
    caFile = join(mkdtempSync(join(tmpdir(), 'kubeha-rig-')), 'ca.crt');
    writeFileSync(caFile, lab.ca.cert);
  }
  const cfg = validateConfig({
    listen: [`127.0.0.1:${port}`],
    upstreams,
    admin: `127.0.0.1:${adminPort}`,
    shutdownTimeout: '200ms',
    ...overrides,
    healthCheck: {
      ...FAST_CHECKS,
      ...(caFile ? { caFile } : {}),
      ...(overrides.healthCheck ?? {}),
    },
  } as Record<string, unknown>);
  const daemon = new ProxyDaemon(cfg, { logger: pino({ level: 'debug' }, sink), version: 'test' });
  try {
    await daemon.start();
  } catch (err) {
    await lab.close();
    throw err;
  }
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

/** Waits until every upstream has had its first check. */
export async function settled(rig: Rig, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (rig.daemon.pool.upstreams.every((u) => u.health.health !== 'unknown')) return;
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
