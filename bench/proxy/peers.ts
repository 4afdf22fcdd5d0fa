/**
 * The columns of the benchmark: a direct connection to one upstream (the physical
 * reference) and the proxies, each started fresh from its configuration in its own
 * directory and stopped with its whole process group.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { HostPort } from '../../src/shared/address.js';
import { haproxyConfig, kubehaArgs, nginxStreamConfig } from './peer-configs.js';
import { imageNodeOptions } from './image-settings.js';
import { freePort, startProcess, stopProcess, waitForPort, type Started } from './processes.js';

export type PeerKind = 'direct' | 'nginx' | 'haproxy' | 'kubeha';

export interface PeerSpec {
  id: string;
  label: string;
  kind: PeerKind;
  workers: number;
  /** kubeha: false to accept through one shared socket (node:cluster) instead of SO_REUSEPORT. */
  reusePort?: boolean;
}

export interface RunningPeer {
  spec: PeerSpec;
  /** Where clients connect. */
  address: HostPort;
  /** Root of the process tree to measure; undefined for direct. */
  proc?: Started;
  stop(): Promise<void>;
}

export interface PeerContext {
  dir: string;
  upstreams: HostPort[];
  /** TLS lab API servers (failover) or plain HTTP upstreams. */
  tls: boolean;
  holdConnections?: number;
  /** Extra node flags for kubeha, e.g. --cpu-prof. */
  nodeFlags?: string[];
}

const KUBEHA_BIN = resolve('bin', 'kubeha');

/** Does this checkout have `kubeha proxy` (and does it take --workers)? */
export function kubehaProxyAvailability(): { available: boolean; workers: boolean; why?: string } {
  const r = spawnSync(process.execPath, [KUBEHA_BIN, 'proxy', '--help'], {
    encoding: 'utf8',
    timeout: 10000,
  });
  // commander answers an unknown command's --help with the top-level help and exit 0.
  if (r.status !== 0 || !/--listen\b/.test(r.stdout) || !/--upstream\b/.test(r.stdout)) {
    const why = (r.stderr || '').trim().split('\n')[0] ?? '';
    return { available: false, workers: false, why: why || 'no `proxy` command in bin/kubeha yet' };
  }
  return { available: true, workers: /--workers\b/.test(r.stdout) };
}

export function peerSpecs(opts: {
  kubeha: boolean;
  kubehaWorkers: boolean;
  twoWorkers: boolean;
}): PeerSpec[] {
  const specs: PeerSpec[] = [
    { id: 'direct', label: 'direct', kind: 'direct', workers: 0 },
    { id: 'nginx', label: 'nginx (1 worker)', kind: 'nginx', workers: 1 },
  ];
  if (opts.twoWorkers)
    specs.push({ id: 'nginx-2w', label: 'nginx (2 workers)', kind: 'nginx', workers: 2 });
  specs.push({ id: 'haproxy', label: 'HAProxy (1 thread)', kind: 'haproxy', workers: 1 });
  if (opts.kubeha) specs.push({ id: 'kubeha', label: 'kubeha', kind: 'kubeha', workers: 1 });
  if (opts.kubeha && opts.kubehaWorkers && opts.twoWorkers) {
    specs.push({ id: 'kubeha-2w', label: 'kubeha (2 workers)', kind: 'kubeha', workers: 2 });
    specs.push({
      id: 'kubeha-2w-shared',
      label: 'kubeha (2 workers, shared socket)',
      kind: 'kubeha',
      workers: 2,
      reusePort: false,
    });
  }
  return specs;
}

export async function startPeer(spec: PeerSpec, ctx: PeerContext): Promise<RunningPeer> {
  if (spec.kind === 'direct') {
    // The first upstream, as a client pinned to one API server would use it.
    return { spec, address: ctx.upstreams[0]!, stop: async () => {} };
  }
  const prefix = join(ctx.dir, `${spec.id}-${Date.now()}`);
  mkdirSync(prefix, { recursive: true });
  const listen = { host: '127.0.0.1', port: await freePort() };
  const logFile = join(prefix, 'output.log');
  const common = {
    listen,
    upstreams: ctx.upstreams,
    prefix,
    holdConnections: ctx.holdConnections,
  };
  let proc: Started;
  if (spec.kind === 'nginx') {
    const conf = join(prefix, 'nginx.conf');
    writeFileSync(conf, nginxStreamConfig({ ...common, workers: spec.workers }));
    proc = startProcess(
      spec.label,
      'nginx',
      ['-p', prefix, '-e', `${prefix}/error.log`, '-c', conf],
      {
        logFile,
      },
    );
  } else if (spec.kind === 'haproxy') {
    const conf = join(prefix, 'haproxy.cfg');
    writeFileSync(conf, haproxyConfig({ ...common, tlsChecks: ctx.tls }));
    proc = startProcess(spec.label, 'haproxy', ['-db', '-f', conf], { logFile });
  } else {
    const admin = { host: '127.0.0.1', port: await freePort() };
    const args = kubehaArgs({
      listen,
      upstreams: ctx.upstreams,
      admin,
      healthCheck: ctx.tls ? 'https' : 'http',
      healthPath: '/readyz', // both upstream kinds answer it; kubeha's default check
      workers: spec.workers,
      reusePort: spec.reusePort,
    });
    const nodeFlags = ctx.nodeFlags ?? [];
    // As the image runs it (the Containerfile's NODE_OPTIONS).
    proc = startProcess(spec.label, process.execPath, [...nodeFlags, KUBEHA_BIN, ...args], {
      logFile,
      cwd: prefix,
      env: { ...process.env, NODE_OPTIONS: imageNodeOptions() },
    });
  }
  await waitForPort(proc, listen.host, listen.port, 10000);
  return { spec, address: listen, proc, stop: () => stopProcess(proc) };
}
