/**
 * The parts of the lab's objects that follow its servers, as the control plane's own
 * writers keep them in a real cluster:
 * - the kube-apiserver mirror pod of each server is Ready while the server serves and
 *   its /readyz passes (the static pod's readiness probe); a server that died and
 *   comes back counts a container restart;
 * - one identity lease per server (kube-system/apiserver-…, label
 *   apiserver.kubernetes.io/identity=kube-apiserver), renewed every 10 s while it
 *   serves, with leaseDurationSeconds 3600 as kube-apiserver's;
 * - the kube-controller-manager and kube-scheduler leader leases, renewed every
 *   retry period (2 s) by the leader while its local API server serves (Kubespray's
 *   controller-manager.conf and scheduler.conf name the local API server); when that
 *   stops, the lease expires after leaseDurationSeconds (15 s) and a control plane
 *   whose API server serves takes it (leaseTransitions + 1).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { LabMode } from './api-server.js';
import { resourceByKind } from './resources.js';
import type { LabStore } from './store.js';
import type { LabNode } from './topology.js';
import type { Obj } from './cluster-objects.js';

const LEASES = resourceByKind('Lease');
const PODS = resourceByKind('Pod');
const SYSTEM = 'kube-system';
export const LEADER_COMPONENTS = ['kube-controller-manager', 'kube-scheduler'];
export const IDENTITY_LABEL = 'apiserver.kubernetes.io/identity';

export interface MemberServer {
  readonly host: string;
  stats(): { mode: LabMode };
  readonly failingChecks: readonly string[];
}

export interface ControlPlaneStatusOptions {
  /** Leader leases' retry period (kube-controller-manager's --leader-elect-retry-period, 2 s). */
  renewMs: number;
  /** Leader leases' leaseDurationSeconds (15 s). */
  leaderLeaseSeconds: number;
}

/** MicroTime as the API serializes it: microseconds, UTC. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** RFC 4648 base32, lowercase, unpadded. */
function base32(bytes: Buffer): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

/** kube-apiserver's identity lease name: `apiserver-` and a hash of its hostname. */
export function identityLeaseName(hostname: string): string {
  return `apiserver-${base32(createHash('sha256').update(hostname).digest().subarray(0, 16))}`;
}

interface Member {
  node: LabNode;
  server: MemberServer;
  restarts: number;
  lastMode: LabMode;
  pod: (ready: boolean, restarts: number) => Obj;
}

export class ControlPlaneStatus {
  private readonly members: Member[] = [];
  private readonly timer: NodeJS.Timeout;
  private ticks = 0;

  constructor(
    private readonly store: LabStore,
    private readonly opts: ControlPlaneStatusOptions,
  ) {
    this.timer = setInterval(() => this.tick(), opts.renewMs);
    this.timer.unref();
  }

  /** A control plane joins: its identity lease, its pod's readiness, maybe leadership. */
  add(node: LabNode, server: MemberServer, pod: (ready: boolean, restarts: number) => Obj): void {
    this.members.push({ node, server, restarts: 0, lastMode: server.stats().mode, pod });
    this.renewIdentity(this.members.at(-1)!);
    this.update();
    this.elect();
  }

  /** A control plane leaves for good (graceful shutdown, node removed). */
  remove(server: MemberServer): void {
    const i = this.members.findIndex((m) => m.server === server);
    if (i < 0) return;
    const [m] = this.members.splice(i, 1);
    this.store.delete(LEASES, SYSTEM, identityLeaseName(m!.node.name));
    this.elect();
  }

  /** A server changed mode or readiness: its pod follows. */
  update(): void {
    for (const m of this.members) {
      const mode = m.server.stats().mode;
      if (m.lastMode === 'dead' && mode === 'serving') m.restarts++;
      m.lastMode = mode;
      const ready = mode === 'serving' && m.server.failingChecks.length === 0;
      this.store.put(PODS, m.pod(ready, m.restarts) as never);
    }
  }

  close(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    this.ticks++;
    // Identity leases renew every 10 s; leader leases every retry period.
    const identityEvery = Math.max(1, Math.round(10_000 / this.opts.renewMs));
    if (this.ticks % identityEvery === 0) {
      for (const m of this.members) if (serving(m)) this.renewIdentity(m);
    }
    this.elect();
  }

  private renewIdentity(m: Member): void {
    const name = identityLeaseName(m.node.name);
    const old = this.store.get(LEASES, SYSTEM, name) as { spec?: { holderIdentity?: string } };
    const now = microTime(Date.now());
    this.store.put(LEASES, {
      metadata: {
        name,
        namespace: SYSTEM,
        labels: { [IDENTITY_LABEL]: 'kube-apiserver', 'kubernetes.io/hostname': m.node.name },
      },
      spec: {
        holderIdentity: old?.spec?.holderIdentity ?? `${name}_${randomUUID()}`,
        leaseDurationSeconds: 3600,
        renewTime: now,
      },
    } as never);
  }

  /** Renews each leader lease from a serving holder, or hands it over once it expired. */
  private elect(): void {
    const now = Date.now();
    for (const component of LEADER_COMPONENTS) {
      const lease = this.store.get(LEASES, SYSTEM, component) as unknown as
        | {
            spec: {
              holderIdentity: string;
              acquireTime: string;
              renewTime: string;
              leaseTransitions: number;
            };
          }
        | undefined;
      const holder = lease?.spec.holderIdentity.split('_')[0];
      const holderMember = this.members.find((m) => m.node.name === holder);
      let spec;
      if (lease && holderMember && serving(holderMember)) {
        spec = { ...lease.spec, renewTime: microTime(now) };
      } else {
        const expired =
          !lease || Date.parse(lease.spec.renewTime) + this.opts.leaderLeaseSeconds * 1000 <= now;
        const next = this.members
          .filter(serving)
          .sort((a, b) => a.node.name.localeCompare(b.node.name))[0];
        if (!expired || !next) continue;
        spec = {
          holderIdentity: `${next.node.name}_${randomUUID()}`,
          acquireTime: microTime(now),
          renewTime: microTime(now),
          leaseTransitions: lease ? lease.spec.leaseTransitions + 1 : 0,
        };
      }
      this.store.put(LEASES, {
        metadata: { name: component, namespace: SYSTEM },
        spec: { ...spec, leaseDurationSeconds: this.opts.leaderLeaseSeconds },
      } as never);
    }
  }
}

function serving(m: Member): boolean {
  return m.server.stats().mode === 'serving';
}
