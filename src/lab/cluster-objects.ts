/**
 * The objects a freshly installed Kubespray cluster holds, built from the lab's
 * topology: namespaces, nodes and ConfigMap kube-system/kube-proxy (the pods are in
 * cluster-pods.ts). Pure: the cluster writes them into its store and keeps the
 * changing parts (pod readiness, leases) current in control-plane-status.ts.
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
