/**
 * A lab "control plane": several stand-in API servers sharing one CA, the way
 * the example cluster's three control planes (192.168.10.11-13, here 127.0.10.11-13) share the
 * cluster CA, plus client certificates for a kubelet and an admin.
 */
import { join } from 'node:path';
import { LabApiServer } from './api-server.js';
import type { EndpointAddress } from './api-responses.js';
import { LabClusterState } from './cluster-state.js';
import { createCa, issueCertificate, type CertificateAuthority, type KeyPairPem } from './pki.js';
import { ResourceApi } from './resource-api.js';
import type { LabStore } from './store.js';
import { EXAMPLE_TOPOLOGY, type LabTopology } from './topology.js';
import { writeFileAtomic } from '../shared/atomic-write.js';
import { isLoopback } from '../shared/address.js';
import { KubehaError } from '../shared/errors.js';

export const LAB_HOSTS = ['127.0.10.11', '127.0.10.12', '127.0.10.13'];

/** kube-apiserver's master lease TTL (DefaultEndpointReconcilerTTL). */
export const ENDPOINT_LEASE_TTL_MS = 15_000;

export interface LabClusterOptions {
  hosts?: string[];
  /** One port for every server (6443 by hand; 0 in tests picks free ports). */
  port?: number;
  anonymousAuth?: boolean;
  /**
   * Period of the lab's heartbeat on the Endpoints `default/kubernetes` (a MODIFIED
   * event on endpoints watches; default 1000 ms).
   */
  watchEventIntervalMs?: number;
  /** How long a server that stopped renewing stays in `default/kubernetes` (default 15 s). */
  endpointLeaseTtlMs?: number;
  /** Period of BOOKMARK events on watches that allow them (default 60 s). */
  bookmarkMs?: number;
  /** Events kept for watches from a resourceVersion (default 1000). */
  historyLimit?: number;
  /** The cluster the lab stands in for (default: the bundled example, k8s-node1..4). */
  topology?: LabTopology;
  /** Leader leases' retry period (default 2000 ms, kube-controller-manager's). */
  leaseRenewMs?: number;
  /** Leader leases' leaseDurationSeconds (default 15, kube-controller-manager's). */
  leaderLeaseSeconds?: number;
}

export interface LabCluster {
  ca: CertificateAuthority;
  /** The servers now in the cluster (addServer and removeServer change it). */
  servers: LabApiServer[];
  /** The cluster's objects, shared by its servers. */
  store: LabStore;
  /** Client certificate as a kubelet holds one (CN system:node:lab-worker, O system:nodes). */
  kubeletClient: KeyPairPem;
  /** Client certificate for kubectl (O system:masters). */
  adminClient: KeyPairPem;
  /** What `default/kubernetes` lists: these addresses, or the serving lab servers when undefined. */
  publishEndpoints(addresses?: EndpointAddress[]): void;
  /** Marks a kube-system pod (the local proxy's) ready or not; false when there is none. */
  setPodReady(name: string, ready: boolean, namespace?: string): boolean;
  /** Starts one more API server (a control plane joining); it appears in `default/kubernetes`. */
  addServer(host: string, port?: number): Promise<LabApiServer>;
  /** Shuts one down gracefully (it leaves `default/kubernetes` at once) and forgets it. */
  removeServer(address: string): Promise<boolean>;
  close(): Promise<void>;
}

function checkLoopback(host: string): void {
  if (!isLoopback(host)) {
    throw new KubehaError('E_LAB_ADDRESS', `lab servers bind loopback only, not ${host}`, {
      hint: 'use 127.0.0.0/8 or ::1',
    });
  }
}

export async function startLabCluster(opts: LabClusterOptions = {}): Promise<LabCluster> {
  const hosts = opts.hosts ?? LAB_HOSTS;
  hosts.forEach(checkLoopback);
  const ca = createCa('kubeha-lab-ca');
  const state = new LabClusterState({
    topology: opts.topology ?? EXAMPLE_TOPOLOGY,
    historyLimit: opts.historyLimit,
    endpointLeaseTtlMs: opts.endpointLeaseTtlMs ?? ENDPOINT_LEASE_TTL_MS,
    heartbeatMs: opts.watchEventIntervalMs ?? 1000,
    leaseRenewMs: opts.leaseRenewMs ?? 2000,
    leaderLeaseSeconds: opts.leaderLeaseSeconds ?? 15,
  });
  state.seed(hosts);
  const store = state.store;
  const api = new ResourceApi(store, { bookmarkMs: opts.bookmarkMs });
  const servers: LabApiServer[] = [];
  const makeServer = (host: string, port: number) => {
    const tls = issueCertificate(ca, {
      commonName: 'kube-apiserver',
      // SANs as kubeadm gives the apiserver cert: its IP, loopback and names.
      altNames: [host, '127.0.0.1', '::1', 'localhost', 'kubernetes', 'kubernetes.default'],
      usage: 'server',
    });
    return new LabApiServer({
      host,
      port,
      tls,
      caCert: ca.cert,
      anonymousAuth: opts.anonymousAuth,
      api,
      onChange: (s) => state.changed(s),
    });
  };
  const startOne = async (s: LabApiServer) => {
    try {
      await s.start();
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new KubehaError('E_LAB_LISTEN', `cannot start lab API server: ${e.message}`, {
        cause: err,
      });
    }
    servers.push(s);
    state.joined(s);
  };
  const close = async () => {
    state.close();
    await Promise.all(servers.map((s) => s.close()));
  };
  try {
    for (const host of hosts) await startOne(makeServer(host, opts.port ?? 0));
  } catch (err) {
    await close();
    throw err;
  }
  return {
    ca,
    servers,
    store,
    kubeletClient: issueCertificate(ca, {
      commonName: 'system:node:lab-worker',
      organization: 'system:nodes',
      usage: 'client',
    }),
    adminClient: issueCertificate(ca, {
      commonName: 'kubernetes-admin',
      organization: 'system:masters',
      usage: 'client',
    }),
    publishEndpoints: (addresses) => state.publish(addresses),
    setPodReady: (name, ready, namespace = 'kube-system') =>
      state.setPodReady(namespace, name, ready),
    addServer: async (host, port) => {
      checkLoopback(host);
      const s = makeServer(host, port ?? opts.port ?? 0);
      await startOne(s);
      return s;
    },
    removeServer: async (address) => {
      const i = servers.findIndex((s) => s.address === address);
      if (i < 0) return false;
      const [s] = servers.splice(i, 1);
      state.left(s!);
      await s!.close();
      return true;
    },
    close,
  };
}

/** A kubeconfig with the certificates inlined, like Kubespray's admin.conf. */
export function labKubeconfig(server: string, caCert: string, client: KeyPairPem): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: lab',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(caCert)}`,
    'users:',
    '- name: lab-admin',
    '  user:',
    `    client-certificate-data: ${b64(client.cert)}`,
    `    client-key-data: ${b64(client.key)}`,
    'contexts:',
    '- name: lab',
    '  context: {cluster: lab, user: lab-admin}',
    'current-context: lab',
    '',
  ].join('\n');
}

/** Writes ca.crt, the kubelet client pair and a kubeconfig pointing at `server` into dir. */
export async function writeLabFiles(
  dir: string,
  lab: LabCluster,
  server: string,
): Promise<string[]> {
  const files: [string, string][] = [
    ['ca.crt', lab.ca.cert],
    ['kubelet-client.crt', lab.kubeletClient.cert],
    ['kubelet-client.key', lab.kubeletClient.key],
    ['kubeconfig', labKubeconfig(server, lab.ca.cert, lab.adminClient)],
  ];
  // The key and the kubeconfig (which embeds a client key) are private.
  for (const [name, content] of files) {
    const secret = name.endsWith('.key') || name === 'kubeconfig';
    await writeFileAtomic(join(dir, name), content, secret ? { mode: 0o600 } : {});
  }
  return files.map(([name]) => join(dir, name));
}
