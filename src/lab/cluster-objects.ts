/**
 * The objects a freshly installed Kubespray cluster holds, built from the lab's
 * topology: namespaces, nodes, the kube-system pods (static control-plane pods and
 * the local API-server proxy as the kubelet mirrors them, kube-proxy, flannel and
 * nodelocaldns per node, coredns) and ConfigMap kube-system/kube-proxy. Pure: the
 * cluster writes them into its store and keeps the changing parts (pod readiness,
 * leases) current in control-plane-status.ts.
 */
import { createHash } from 'node:crypto';
import type { LabNode, LabTopology } from './topology.js';

export type Obj = {
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
};

const SYSTEM = 'kube-system';
/** kube_pods_subnet of the example: node N gets 10.233.(64+N).0/24. */
const podCidr = (i: number) => `10.233.${64 + i}.0/24`;

/** A stable suffix in the alphabet Kubernetes uses for generated names (no vowels). */
export function suffix(seed: string, length = 5): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const digest = createHash('sha256').update(seed).digest();
  return [...digest.subarray(0, length)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** A UUID-shaped uid that is the same on every run (owners the lab does not store). */
export function stableUid(seed: string): string {
  const h = createHash('md5').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function namespaces(): Obj[] {
  return ['default', 'kube-node-lease', 'kube-public', SYSTEM].map((name) => ({
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  }));
}

export function node(n: LabNode, index: number, topology: LabTopology): Obj {
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': n.name,
    'kubernetes.io/os': 'linux',
  };
  if (n.controlPlane) {
    labels['node-role.kubernetes.io/control-plane'] = '';
    labels['node.kubernetes.io/exclude-from-external-load-balancers'] = '';
  }
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
  });
  return {
    metadata: {
      name: n.name,
      labels,
      annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: {
      podCIDR: podCidr(index),
      podCIDRs: [podCidr(index)],
      ...(n.controlPlane
        ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] }
        : {}),
    },
    status: {
      addresses: [
        { type: 'InternalIP', address: n.ip },
        { type: 'Hostname', address: n.name },
      ],
      capacity: { cpu: '4', memory: '8131452Ki', pods: '110' },
      allocatable: { cpu: '3800m', memory: '7504764Ki', pods: '110' },
      conditions: [
        condition(
          'MemoryPressure',
          'False',
          'KubeletHasSufficientMemory',
          'kubelet has sufficient memory available',
        ),
        condition(
          'DiskPressure',
          'False',
          'KubeletHasNoDiskPressure',
          'kubelet has no disk pressure',
        ),
        condition(
          'PIDPressure',
          'False',
          'KubeletHasSufficientPID',
          'kubelet has sufficient PID available',
        ),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: suffix(`${n.name}/boot`, 12),
        containerRuntimeVersion: 'containerd://2.0.5',
        kernelVersion: '6.8.0-57-generic',
        kubeProxyVersion: topology.kubeVersion,
        kubeletVersion: topology.kubeVersion,
        machineID: createHash('md5').update(n.name).digest('hex'),
        operatingSystem: 'linux',
        osImage: 'Ubuntu 24.04.2 LTS',
        systemUUID: createHash('md5').update(`${n.name}/uuid`).digest('hex'),
      },
    },
  };
}

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

/** ConfigMap kube-system/kube-proxy as kubeadm writes it and Kubespray edits its server. */
export function kubeProxyConfigMap(topology: LabTopology): Obj {
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- cluster:',
    '    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
    `    server: ${topology.kubeProxyServer}`,
    '  name: default',
    'contexts:',
    '- context:',
    '    cluster: default',
    '    namespace: default',
    '    user: default',
    '  name: default',
    'current-context: default',
    'users:',
    '- name: default',
    '  user:',
    '    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token',
    '',
  ].join('\n');
  const config = [
    'apiVersion: kubeproxy.config.k8s.io/v1alpha1',
    'kind: KubeProxyConfiguration',
    'bindAddress: 0.0.0.0',
    'clientConnection:',
    '  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf',
    'clusterCIDR: 10.233.64.0/18',
    'mode: ipvs',
    '',
  ].join('\n');
  return {
    metadata: { name: 'kube-proxy', namespace: SYSTEM, labels: { app: 'kube-proxy' } },
    data: { 'config.conf': config, 'kubeconfig.conf': kubeconfig },
  };
}
