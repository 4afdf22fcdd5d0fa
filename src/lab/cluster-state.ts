/**
 * What one lab cluster holds and how it follows its servers: the store with the
 * objects of the topology (namespaces, nodes, kube-system pods, the kube-proxy
 * ConfigMap), the `default/kubernetes` reconciler and the control-plane status
 * (apiserver pods, leases). Each lab server stands in for one control-plane node of
 * the topology: the one with its address, else the next in order (tests use other
 * loopback addresses); control planes without a server are left out, and a server
 * added at run time without a node of its own brings one.
 */
import type { LabApiServer } from './api-server.js';
import type { EndpointAddress } from './api-responses.js';
import { kubeProxyConfigMap, namespaces, node, type Obj } from './cluster-objects.js';
import {
  controlPlanePods,
  corednsPods,
  daemonSetPods,
  localProxyPod,
  pod,
  type PodSpec,
} from './cluster-pods.js';
import { ControlPlaneStatus } from './control-plane-status.js';
import { EndpointReconciler } from './endpoint-reconciler.js';
import { resourceByKind } from './resources.js';
import { LabStore } from './store.js';
import { controlPlanesForServers, type LabNode, type LabTopology } from './topology.js';

export interface ClusterStateOptions {
  topology: LabTopology;
  historyLimit?: number;
  endpointLeaseTtlMs: number;
  heartbeatMs: number;
  leaseRenewMs: number;
  leaderLeaseSeconds: number;
}

const NODES = resourceByKind('Node');
const PODS = resourceByKind('Pod');

export class LabClusterState {
  readonly store: LabStore;
  readonly reconciler: EndpointReconciler;
  private readonly status: ControlPlaneStatus;
  /** The topology with each control plane at its server's address. */
  private readonly nodes: LabNode[] = [];
  private readonly serverNodes = new Map<LabApiServer, LabNode>();
  private readonly startedAt: string;

  constructor(private readonly opts: ClusterStateOptions) {
    this.store = new LabStore({ historyLimit: opts.historyLimit });
    this.startedAt = this.store.timestamp();
    this.reconciler = new EndpointReconciler(this.store, {
      leaseTtlMs: opts.endpointLeaseTtlMs,
      heartbeatMs: opts.heartbeatMs,
    });
    this.status = new ControlPlaneStatus(this.store, {
      renewMs: opts.leaseRenewMs,
      leaderLeaseSeconds: opts.leaderLeaseSeconds,
    });
  }

  /** Seeds the store for the servers the cluster starts with. */
  seed(hosts: readonly string[]): void {
    const t = this.opts.topology;
    const matched = controlPlanesForServers(t, hosts);
    const cps = hosts.map((host, i) => ({ ...(matched[i] ?? generatedNode(host)), ip: host }));
    this.nodes.push(...cps, ...t.nodes.filter((n) => !n.controlPlane));
    for (const ns of namespaces()) this.put('Namespace', ns);
    this.nodes.forEach((n) => this.addNode(n));
    const effective = { ...t, nodes: this.nodes };
    for (const p of corednsPods(effective)) this.putPod(p);
    this.put('ConfigMap', kubeProxyConfigMap(t));
  }

  /** A server is up: it holds its lease, and its node's control-plane objects follow it. */
  joined(server: LabApiServer): void {
    let n = this.nodes.find((x) => x.controlPlane && x.ip === server.host && !this.isTaken(x));
    if (!n) {
      const named = this.opts.topology.nodes.find(
        (x) => x.controlPlane && x.ip === server.host && !this.nodes.some((y) => y.name === x.name),
      );
      n = named ?? generatedNode(server.host);
      this.nodes.push(n);
      this.addNode(n);
    }
    this.serverNodes.set(server, n);
    this.reconciler.up(addressOf(server));
    const apiserver = controlPlanePods(n, this.opts.topology.kubeVersion)[0]!;
    this.status.add(n, server, (ready, restarts) =>
      pod(apiserver, ready, restarts, this.startedAt),
    );
  }

  /** A server changed mode or readiness. */
  changed(server: LabApiServer): void {
    if (!this.serverNodes.has(server)) return;
    if (server.stats().mode === 'serving') this.reconciler.up(addressOf(server));
    else this.reconciler.lapse(addressOf(server));
    this.status.update();
  }

  /** A server is removed for good: a graceful shutdown, and its node is deleted. */
  left(server: LabApiServer): void {
    const n = this.serverNodes.get(server);
    if (!n) return;
    this.serverNodes.delete(server);
    this.reconciler.remove(addressOf(server));
    this.status.remove(server);
    this.nodes.splice(this.nodes.indexOf(n), 1);
    this.store.delete(NODES, undefined, n.name);
    for (const p of this.store.list(PODS, {
      namespace: 'kube-system',
      match: (o) => (o as { spec?: { nodeName?: string } }).spec?.nodeName === n.name,
    })) {
      this.store.delete(PODS, 'kube-system', p.metadata.name);
    }
  }

  /**
   * Marks a pod's containers ready or not, as its kubelet reports a readiness probe
   * (the local proxy's pod when the demo or a test stops it). False when there is no such pod.
   */
  setPodReady(namespace: string, name: string, ready: boolean): boolean {
    const p = this.store.get(PODS, namespace, name) as
      | (Obj & {
          status: {
            conditions: { type: string; status: string }[];
            containerStatuses: { ready: boolean }[];
          };
        })
      | undefined;
    if (!p) return false;
    const flag = ready ? 'True' : 'False';
    const status = {
      ...p.status,
      conditions: p.status.conditions.map((c) =>
        c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: flag } : c,
      ),
      containerStatuses: p.status.containerStatuses.map((c) => ({ ...c, ready })),
    };
    this.store.put(PODS, { ...p, status } as never);
    return true;
  }

  publish(addresses: EndpointAddress[] | undefined): void {
    this.reconciler.publish(addresses);
  }

  close(): void {
    this.reconciler.close();
    this.status.close();
  }

  private isTaken(n: LabNode): boolean {
    return [...this.serverNodes.values()].includes(n);
  }

  private addNode(n: LabNode): void {
    const t = this.opts.topology;
    this.put('Node', node(n, this.nodes.indexOf(n), t));
    const specs = [
      ...(n.controlPlane ? controlPlanePods(n, t.kubeVersion) : []),
      ...daemonSetPods(n, t.kubeVersion),
    ];
    const proxy = localProxyPod(n);
    if (proxy) specs.push(proxy);
    for (const p of specs) this.putPod(p);
  }

  private putPod(p: PodSpec): void {
    this.put('Pod', pod(p, true, 0, this.startedAt));
  }

  private put(kind: string, o: Obj): void {
    this.store.put(resourceByKind(kind), o as never);
  }
}

function addressOf(s: LabApiServer): EndpointAddress {
  return { ip: s.host, port: s.port };
}

/** A control plane the topology does not name (a server added at run time). */
function generatedNode(host: string): LabNode {
  return { name: `lab-cp-${host.replace(/[.:]+/g, '-')}`, ip: host, controlPlane: true };
}
