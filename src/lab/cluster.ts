/**
 * A lab "control plane": several stand-in API servers sharing one CA, the way
 * the example cluster's three control planes (192.168.10.11-13, here 127.0.10.11-13) share the
 * cluster CA, plus client certificates for a kubelet and an admin.
 */
import { join } from 'node:path';
import { LabApiServer } from './api-server.js';
import type { EndpointAddress } from './api-responses.js';
import { createCa, issueCertificate, type CertificateAuthority, type KeyPairPem } from './pki.js';
import { writeFileAtomic } from '../shared/atomic-write.js';
import { isLoopback } from '../shared/address.js';
import { KubehaError } from '../shared/errors.js';

export const LAB_HOSTS = ['127.0.10.11', '127.0.10.12', '127.0.10.13'];

export interface LabClusterOptions {
  hosts?: string[];
  /** One port for every server (6443 by hand; 0 in tests picks free ports). */
  port?: number;
  anonymousAuth?: boolean;
  watchEventIntervalMs?: number;
}

export interface LabCluster {
  ca: CertificateAuthority;
  servers: LabApiServer[];
  /** Client certificate as a kubelet holds one (CN system:node:lab-worker, O system:nodes). */
  kubeletClient: KeyPairPem;
  /** Client certificate for kubectl (O system:masters). */
  adminClient: KeyPairPem;
  /** What `default/kubernetes` lists: these addresses, or every lab server when undefined. */
  publishEndpoints(addresses?: EndpointAddress[]): void;
  close(): Promise<void>;
}

export async function startLabCluster(opts: LabClusterOptions = {}): Promise<LabCluster> {
  const hosts = opts.hosts ?? LAB_HOSTS;
  for (const h of hosts) {
    if (!isLoopback(h)) {
      throw new KubehaError('E_LAB_ADDRESS', `lab servers bind loopback only, not ${h}`, {
        hint: 'use 127.0.0.0/8 or ::1',
      });
    }
  }
  const ca = createCa('kubeha-lab-ca');
  let published: EndpointAddress[] | undefined;
  const servers: LabApiServer[] = hosts.map((host) => {
    const tls = issueCertificate(ca, {
      commonName: 'kube-apiserver',
      // SANs as kubeadm gives the apiserver cert: its IP, loopback and names.
      altNames: [host, '127.0.0.1', '::1', 'localhost', 'kubernetes', 'kubernetes.default'],
      usage: 'server',
    });
    return new LabApiServer({
      host,
      port: opts.port ?? 0,
      tls,
      caCert: ca.cert,
      anonymousAuth: opts.anonymousAuth,
      watchEventIntervalMs: opts.watchEventIntervalMs,
      endpoints: () => published ?? servers.map((s) => ({ ip: s.host, port: s.port })),
    });
  });
  const started: LabApiServer[] = [];
  try {
    for (const s of servers) {
      await s.start();
      started.push(s);
    }
  } catch (err) {
    await Promise.all(started.map((s) => s.close()));
    const e = err as NodeJS.ErrnoException;
    throw new KubehaError('E_LAB_LISTEN', `cannot start lab API server: ${e.message}`, {
      cause: err,
    });
  }
  return {
    ca,
    servers,
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
    publishEndpoints: (addresses) => {
      published = addresses;
    },
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
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
