/**
 * The fault suite's network: one "worker" namespace (kubeha proxy and its clients)
 * joined to three "control plane" namespaces (one lab API server each) by veth
 * pairs. The addresses (10.251.N.0/24) exist only inside these namespaces: the
 * host's own namespace gets no interface, address or route, so nothing here can
 * reach a real network. Names carry the creating process's pid, so a crashed run's
 * leftovers are recognised (their pid is gone) and removed by the next run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CONTROL_PLANES = 3;
export const API_PORT = 6443;
/** cp-agent.ts's latency relay in front of each API server. */
export const RELAY_PORT = 7443;
/** Control plane n (1-based) as the worker reaches it. */
export const cpAddress = (n: number) => `10.251.${n}.2`;
const workerAddress = (n: number) => `10.251.${n}.1`;
const PREFIX = 'khf';

export interface Topology {
  worker: string;
  controlPlanes: string[];
  /** Upstreams as the proxy in the worker namespace lists them. */
  upstreams: string[];
}

/** Why the suite cannot run here, or undefined when it can (root, ip netns, nft). */
export function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  for (const [tool, args] of [
    ['ip', ['netns', 'list']],
    ['nft', ['--version']],
  ] as const) {
    const r = spawnSync(tool, args, { encoding: 'utf8' });
    if (r.error || r.status !== 0)
      return `needs \`${tool}\` (${r.error?.message ?? r.stderr.trim()})`;
  }
  return undefined;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Removes namespaces of earlier runs whose process is gone (a crash skips their cleanup). */
export function removeLeftovers(): string[] {
  const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const removed: string[] = [];
  for (const line of out.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const m = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (!m || existsSync(`/proc/${m[1]}`)) continue;
    deleteNamespace(name);
    removed.push(name);
  }
  return removed;
}

/** Builds the namespaces and links; `tag` tells apart topologies of one process. */
export function createTopology(tag: string): Topology {
  const base = `${PREFIX}${process.pid}-${tag}`;
  const t: Topology = {
    worker: `${base}-w`,
    controlPlanes: Array.from({ length: CONTROL_PLANES }, (_, i) => `${base}-cp${i + 1}`),
    upstreams: Array.from({ length: CONTROL_PLANES }, (_, i) => `${cpAddress(i + 1)}:${API_PORT}`),
  };
  try {
    for (const ns of [t.worker, ...t.controlPlanes]) {
      ip('netns', 'add', ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    t.controlPlanes.forEach((cp, i) => {
      const n = i + 1;
      // The veth pair is created inside the worker namespace and its peer moved straight
      // into the control plane's: neither end ever exists in the host's namespace.
      ip(
        '-n',
        t.worker,
        'link',
        'add',
        `cp${n}`,
        'type',
        'veth',
        'peer',
        'name',
        'eth0',
        'netns',
        cp,
      );
      ip('-n', t.worker, 'addr', 'add', `${workerAddress(n)}/24`, 'dev', `cp${n}`);
      ip('-n', cp, 'addr', 'add', `${cpAddress(n)}/24`, 'dev', 'eth0');
      ip('-n', t.worker, 'link', 'set', `cp${n}`, 'up');
      ip('-n', cp, 'link', 'set', 'eth0', 'up');
    });
  } catch (err) {
    destroyTopology(t);
    throw err;
  }
  return t;
}

/**
 * Deleting a namespace stops no process in it, so whatever the suite started there and
 * that outlived its parent (a crashed driver's proxy) is killed first, by pid.
 */
export function destroyTopology(t: Topology): void {
  for (const ns of [t.worker, ...t.controlPlanes]) deleteNamespace(ns);
}

function deleteNamespace(ns: string): void {
  const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
  for (const pid of pids.split('\n').filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  spawnSync('ip', ['netns', 'del', ns]);
}
