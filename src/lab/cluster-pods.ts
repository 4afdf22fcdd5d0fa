/**
 * The kube-system pods of the lab's cluster, as the kubelet and the controllers
 * report them: the static control-plane pods and the local API-server proxy
 * (mirror pods, owned by their Node), the DaemonSet pods of Kubespray's defaults
 * with flannel, and coredns. Pure, like cluster-objects.ts.
 */
import { createHash } from 'node:crypto';
import { stableUid, suffix, type Obj } from './cluster-objects.js';
import type { LabNode, LabTopology } from './topology.js';

const SYSTEM = 'kube-system';

export interface PodSpec {
  name: string;
  node: LabNode;
  labels: Record<string, string>;
  image: string;
  hostNetwork: boolean;
  podIp?: string;
  /** static: a mirror pod the kubelet made from /etc/kubernetes/manifests. */
  owner: { kind: 'Node' | 'DaemonSet' | 'ReplicaSet'; name: string; apiVersion: string };
  priorityClassName: string;
}

export function pod(p: PodSpec, ready = true, restarts = 0, startedAt = ''): Obj {
  const container = p.labels['component'] ?? p.labels['k8s-app'] ?? p.name;
  const isStatic = p.owner.kind === 'Node';
  const hash = suffix(`${p.name}/config`, 32);
  return {
    metadata: {
      name: p.name,
      namespace: SYSTEM,
      labels: p.labels,
      ...(isStatic
        ? {
            annotations: {
              'kubernetes.io/config.hash': hash,
              'kubernetes.io/config.mirror': hash,
              'kubernetes.io/config.source': 'file',
            },
          }
        : {}),
      ownerReferences: [
        { ...p.owner, uid: stableUid(`${p.owner.kind}/${p.owner.name}`), controller: true },
      ],
    },
    spec: {
      nodeName: p.node.name,
      hostNetwork: p.hostNetwork,
      priorityClassName: p.priorityClassName,
      containers: [{ name: container, image: p.image }],
    },
    status: podStatus(p, container, ready, restarts, startedAt),
  };
}

function podStatus(p: PodSpec, container: string, ready: boolean, restarts: number, at: string) {
  const ip = p.hostNetwork ? p.node.ip : (p.podIp ?? '');
  const cond = (type: string, ok: boolean) => ({ type, status: ok ? 'True' : 'False' });
  return {
    phase: 'Running',
    conditions: [
      cond('PodReadyToStartContainers', true),
      cond('Initialized', true),
      cond('Ready', ready),
      cond('ContainersReady', ready),
      cond('PodScheduled', true),
    ],
    hostIP: p.node.ip,
    hostIPs: [{ ip: p.node.ip }],
    podIP: ip,
    podIPs: [{ ip }],
    qosClass: 'Burstable',
    startTime: at,
    containerStatuses: [
      {
        name: container,
        image: p.image,
        imageID: `${p.image.split(':')[0]}@sha256:${createHash('sha256').update(p.image).digest('hex')}`,
        containerID: `containerd://${createHash('sha256').update(`${p.name}/${restarts}`).digest('hex')}`,
        ready,
        started: true,
        restartCount: restarts,
        state: { running: { startedAt: at } },
      },
    ],
  };
}

const REGISTRY = 'registry.k8s.io';

/** The static control-plane pods of one control plane (component: kube-apiserver, …). */
export function controlPlanePods(n: LabNode, kubeVersion: string): PodSpec[] {
  return ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map((component) => ({
    name: `${component}-${n.name}`,
    node: n,
    labels: { component, tier: 'control-plane' },
    image: `${REGISTRY}/${component}:${kubeVersion}`,
    hostNetwork: true,
    owner: { kind: 'Node', name: n.name, apiVersion: 'v1' },
    priorityClassName: 'system-node-critical',
  }));
}

/** The local API-server proxy's mirror pod (Kubespray's nginx-proxy/haproxy, or kubeha's). */
export function localProxyPod(n: LabNode): PodSpec | null {
  if (!n.localProxy) return null;
  const { kind, podName } = n.localProxy;
  const image = {
    nginx: 'docker.io/library/nginx:1.28.0-alpine',
    haproxy: 'docker.io/library/haproxy:3.2.4-alpine',
    kubeha: 'ghcr.io/kubeha/kubeha:0.1.0',
  }[kind];
  // The labels of Kubespray's manifests (kube-nginx, kube-haproxy) and of kubeha's.
  const app = kind === 'kubeha' ? 'kubeha-proxy' : `kube-${kind}`;
  const labels = { 'addonmanager.kubernetes.io/mode': 'Reconcile', 'k8s-app': app };
  return {
    name: `${podName}-${n.name}`,
    node: n,
    labels,
    image,
    hostNetwork: true,
    owner: { kind: 'Node', name: n.name, apiVersion: 'v1' },
    priorityClassName: 'system-node-critical',
  };
}

/** The DaemonSet pods of Kubespray's defaults with flannel on one node. */
export function daemonSetPods(n: LabNode, kubeVersion: string): PodSpec[] {
  const daemonSets: [string, string, string][] = [
    ['kube-proxy', 'kube-proxy', `${REGISTRY}/kube-proxy:${kubeVersion}`],
    ['kube-flannel', 'flannel', 'docker.io/flannel/flannel:v0.26.7'],
    ['nodelocaldns', 'nodelocaldns', `${REGISTRY}/dns/k8s-dns-node-cache:1.25.0`],
  ];
  return daemonSets.map(([ds, app, image]) => ({
    name: `${ds}-${suffix(`${ds}/${n.name}`)}`,
    node: n,
    labels: { 'k8s-app': app },
    image,
    hostNetwork: true,
    owner: { kind: 'DaemonSet', name: ds, apiVersion: 'apps/v1' },
    priorityClassName: 'system-node-critical',
  }));
}

/** The coredns Deployment's two replicas, on workers when there are any. */
export function corednsPods(topology: LabTopology): PodSpec[] {
  const rs = `coredns-${suffix('coredns/rs', 10)}`;
  const workers = topology.nodes.filter((n) => !n.controlPlane);
  const hosts = workers.length > 0 ? workers : topology.nodes;
  return [0, 1]
    .filter(() => hosts.length > 0)
    .map((i) => {
      const n = hosts[i % hosts.length]!;
      return {
        name: `${rs}-${suffix(`coredns/${i}`)}`,
        node: n,
        labels: { 'k8s-app': 'kube-dns' },
        image: `${REGISTRY}/coredns/coredns:v1.12.0`,
        hostNetwork: false,
        podIp: `10.233.${64 + topology.nodes.indexOf(n)}.${2 + i}`,
        owner: { kind: 'ReplicaSet', name: rs, apiVersion: 'apps/v1' },
        priorityClassName: 'system-cluster-critical',
      };
    });
}
