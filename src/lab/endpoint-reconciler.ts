/**
 * Keeps `default/kubernetes` (v1 Endpoints and discovery.k8s.io/v1 EndpointSlices)
 * at the lab servers that are serving, as kube-apiserver's lease endpoint reconciler
 * does (pkg/controlplane/reconcilers/lease.go): each server holds a lease with a TTL
 * (15 s in kube-apiserver) that it renews while it runs; the Endpoints list the
 * holders of unexpired leases, sorted. A server shut down gracefully removes its own
 * lease at once (RemoveEndpoints); one that dies, hangs or stops listening stops
 * renewing and drops out when its lease expires. An unready server (/readyz failing)
 * keeps its lease, as kube-apiserver's reconciler does not consult /readyz.
 *
 * The EndpointSlices are derived from the Endpoints as kube-apiserver's
 * EndpointsAdapter derives them: same name, label kubernetes.io/service-name, one
 * ready endpoint per address. Lab servers may listen on different ports (tests pick
 * free ones); each further port gets a slice of its own named `kubernetes-PORT`.
 */
import { isIPv6 } from 'node:net';
import type { EndpointAddress } from './api-responses.js';
import { kubernetesEndpoints } from './api-responses.js';
import { resourceByKind } from './resources.js';
import type { LabStore } from './store.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const ENDPOINTS = resourceByKind('Endpoints');
const SLICES = resourceByKind('EndpointSlice');

interface Lease {
  address: EndpointAddress;
  /** Infinity while the server renews it. */
  expiresAt: number;
}

export class EndpointReconciler {
  private readonly leases = new Map<string, Lease>();
  private published?: EndpointAddress[];
  private heartbeats = 0;
  private expiryTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;

  constructor(
    private readonly store: LabStore,
    private readonly opts: { leaseTtlMs: number; heartbeatMs?: number },
  ) {
    if (opts.heartbeatMs) {
      this.heartbeatTimer = setInterval(() => this.heartbeat(), opts.heartbeatMs);
      this.heartbeatTimer.unref();
    }
  }

  /** The server serves and renews its lease. */
  up(address: EndpointAddress): void {
    this.leases.set(keyOf(address), { address, expiresAt: Infinity });
    this.reconcile();
  }

  /** The server stopped renewing (died, hangs, stopped listening): its lease runs out. */
  lapse(address: EndpointAddress): void {
    const lease = this.leases.get(keyOf(address));
    if (!lease || lease.expiresAt !== Infinity) return;
    lease.expiresAt = Date.now() + this.opts.leaseTtlMs;
    this.reconcile();
  }

  /** Graceful shutdown or removal: the lease goes now. */
  remove(address: EndpointAddress): void {
    this.leases.delete(keyOf(address));
    this.reconcile();
  }

  /** Pins the published addresses (tests of discovery); undefined goes back to the leases. */
  publish(addresses: EndpointAddress[] | undefined): void {
    this.published = addresses;
    this.reconcile();
  }

  /** The addresses `default/kubernetes` lists now. */
  addresses(): EndpointAddress[] {
    if (this.published) return this.published;
    const now = Date.now();
    return [...this.leases.values()]
      .filter((l) => l.expiresAt > now)
      .map((l) => l.address)
      .sort((a, b) => a.ip.localeCompare(b.ip) || a.port - b.port);
  }

  /**
   * A lab-only change to the Endpoints (an annotation counter) so that a watch on
   * endpoints carries a steady event flow for failover measurements; the
   * EndpointSlices change only when the server set does.
   */
  heartbeat(): void {
    this.heartbeats++;
    this.writeEndpoints(this.addresses());
  }

  reconcile(): void {
    const addresses = this.addresses();
    this.writeEndpoints(addresses);
    this.writeSlices(addresses);
    this.scheduleExpiry();
  }

  close(): void {
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.expiryTimer);
  }

  private writeEndpoints(addresses: EndpointAddress[]): void {
    const ep = kubernetesEndpoints(addresses) as { metadata: { annotations?: object } };
    if (this.heartbeats > 0) {
      ep.metadata.annotations = { 'lab.kubeha.io/heartbeat': String(this.heartbeats) };
    }
    this.store.put(ENDPOINTS, ep as never);
  }

  private writeSlices(addresses: EndpointAddress[]): void {
    const groups = new Map<string, EndpointAddress[]>();
    for (const a of addresses) {
      const family = isIPv6(a.ip) ? 'IPv6' : 'IPv4';
      const k = `${family}/${a.port}`;
      groups.set(k, [...(groups.get(k) ?? []), a]);
    }
    const wanted = new Set<string>();
    // kube-apiserver keeps one slice named like the service even when it is empty.
    const entries = groups.size > 0 ? [...groups] : [['IPv4/6443', []] as const];
    entries.forEach(([k, members], i) => {
      const [family, port] = k.split('/') as [string, string];
      const name = i === 0 ? 'kubernetes' : `kubernetes-${port}${family === 'IPv6' ? '-v6' : ''}`;
      wanted.add(name);
      this.store.put(SLICES, endpointSlice(name, family, Number(port), members) as never);
    });
    for (const old of this.store.list(SLICES, {
      namespace: 'default',
      match: (o) => o.metadata.labels?.[SERVICE_NAME_LABEL] === 'kubernetes',
    })) {
      if (!wanted.has(old.metadata.name)) this.store.delete(SLICES, 'default', old.metadata.name);
    }
  }

  /** Wakes up when the next lapsed lease expires, to drop it. */
  private scheduleExpiry(): void {
    clearTimeout(this.expiryTimer);
    const now = Date.now();
    const next = Math.min(
      ...[...this.leases.values()].map((l) => l.expiresAt).filter((t) => t > now),
    );
    if (!Number.isFinite(next)) return;
    this.expiryTimer = setTimeout(() => this.reconcile(), next - now + 1);
    this.expiryTimer.unref();
  }
}

function keyOf(a: EndpointAddress): string {
  return `${a.ip}|${a.port}`;
}

export function endpointSlice(
  name: string,
  addressType: string,
  port: number,
  members: readonly EndpointAddress[],
): object {
  return {
    kind: 'EndpointSlice',
    apiVersion: 'discovery.k8s.io/v1',
    metadata: { name, namespace: 'default', labels: { [SERVICE_NAME_LABEL]: 'kubernetes' } },
    addressType,
    endpoints: members.map((m) => ({ addresses: [m.ip], conditions: { ready: true } })),
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  };
}
