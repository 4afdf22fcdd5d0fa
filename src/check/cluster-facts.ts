/**
 * What cluster mode reads from a live cluster, through @kubernetes/client-node and
 * the user's kubeconfig (every auth method client-node supports: client
 * certificates, tokens, exec plugins, OIDC). client-node is imported here, lazily,
 * and only `kubeha check` loads this file: the proxy never pays for it.
 */
import type * as K8s from '@kubernetes/client-node';
import { formatHostPort } from '../shared/address.js';
import { KubehaError } from '../shared/errors.js';
import { failingChecks, probe, type ProbeTls } from './probe.js';

export interface ApiServerFact {
  address: string;
  /** where the address came from: default/kubernetes, the inventory, or both */
  sources: ('cluster' | 'inventory')[];
  error?: string;
  gitVersion?: string;
  readyzStatus?: number;
  failing: string[];
  ms?: number;
}

export interface LeaseFact {
  name: string;
  holder: string;
  /** hostname label of an identity lease */
  hostname?: string;
  ageSeconds: number;
  durationSeconds: number;
}

export interface NodeFact {
  name: string;
  ready: boolean;
  controlPlane: boolean;
  kubeletVersion: string;
}

export interface ProxyPodFact {
  name: string;
  node: string;
  kind: string;
  ready: boolean;
}

export interface ClusterFacts {
  server: string;
  /** the reads that failed, by what was read */
  errors: Record<string, string>;
  endpointSource: 'EndpointSlice' | 'Endpoints' | 'none';
  apiServers: ApiServerFact[];
  leaderLeases: Record<string, LeaseFact | null>;
  identityLeases: LeaseFact[];
  nodes: NodeFact[];
  proxyPods: ProxyPodFact[];
  kubeProxyServer?: string;
}

export const LEADERS = ['kube-controller-manager', 'kube-scheduler'];
/** Kubespray's nginx-proxy and haproxy static pods (k8s-app kube-nginx, kube-haproxy) and kubeha's. */
const PROXY_APPS: Record<string, string> = {
  'kube-nginx': 'nginx',
  'kube-haproxy': 'haproxy',
  'kubeha-proxy': 'kubeha',
};

export async function loadKubeconfig(file: string): Promise<K8s.KubeConfig> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (err) {
    throw new KubehaError('E_KUBECONFIG', `cannot read kubeconfig: ${(err as Error).message}`, {
      file,
    });
  }
  if (!kc.getCurrentCluster()) {
    throw new KubehaError('E_KUBECONFIG', 'the kubeconfig has no current cluster', {
      file,
      hint: 'set current-context',
    });
  }
  return kc;
}

const seconds = (t: unknown) => (Date.now() - new Date(t as string).getTime()) / 1000;

export async function gatherClusterFacts(
  kc: K8s.KubeConfig,
  opts: { inventoryServers: string[]; timeoutMs: number },
): Promise<ClusterFacts> {
  const k8s = await import('@kubernetes/client-node');
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const errors: Record<string, string> = {};
  const read = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (err) {
      errors[what] = (err as Error).message.split('\n')[0]!;
      return undefined;
    }
  };
  const [slices, endpoints, leases, nodes, pods, cm] = await Promise.all([
    read('endpointslices', () =>
      kc.makeApiClient(k8s.DiscoveryV1Api).listNamespacedEndpointSlice({
        namespace: 'default',
        labelSelector: 'kubernetes.io/service-name=kubernetes',
      }),
    ),
    read('endpoints', () =>
      core.readNamespacedEndpoints({ name: 'kubernetes', namespace: 'default' }),
    ),
    read('leases', () =>
      kc.makeApiClient(k8s.CoordinationV1Api).listNamespacedLease({ namespace: 'kube-system' }),
    ),
    read('nodes', () => core.listNode()),
    read('pods', () => core.listNamespacedPod({ namespace: 'kube-system' })),
    read('configmap kube-proxy', () =>
      core.readNamespacedConfigMap({ name: 'kube-proxy', namespace: 'kube-system' }),
    ),
  ]);

  let endpointSource: ClusterFacts['endpointSource'] = 'none';
  const listed = new Set<string>();
  for (const s of slices?.items ?? []) {
    const port = (s.ports?.find((p) => p.name === 'https') ?? s.ports?.[0])?.port;
    for (const e of s.endpoints ?? []) {
      if (port === undefined || e.conditions?.ready === false) continue;
      for (const ip of e.addresses) listed.add(formatHostPort({ host: ip, port }));
    }
  }
  if (listed.size > 0) endpointSource = 'EndpointSlice';
  else {
    for (const subset of endpoints?.subsets ?? []) {
      const port = (subset.ports?.find((p) => p.name === 'https') ?? subset.ports?.[0])?.port;
      if (port === undefined) continue;
      for (const a of subset.addresses ?? []) listed.add(formatHostPort({ host: a.ip, port }));
    }
    if (listed.size > 0) endpointSource = 'Endpoints';
  }
  const all = [...new Set([...listed, ...opts.inventoryServers])].sort();
  const tls = await tlsOf(kc);
  const apiServers = await Promise.all(
    all.map(async (address): Promise<ApiServerFact> => {
      const sources: ApiServerFact['sources'] = [];
      if (listed.has(address)) sources.push('cluster');
      if (opts.inventoryServers.includes(address)) sources.push('inventory');
      const base = `https://${address}`;
      const version = await probe(`${base}/version`, tls, opts.timeoutMs);
      if (version.error) return { address, sources, error: version.error, failing: [] };
      const readyz = await probe(`${base}/readyz?verbose`, tls, opts.timeoutMs);
      let gitVersion: string | undefined;
      try {
        gitVersion = (JSON.parse(version.body ?? '') as { gitVersion?: string }).gitVersion;
      } catch {
        /* not JSON: reported as no version */
      }
      return {
        address,
        sources,
        gitVersion,
        error: readyz.error,
        readyzStatus: readyz.status,
        failing: failingChecks(readyz.body ?? ''),
        ms: version.ms,
      };
    }),
  );

  const leaseFact = (l: K8s.V1Lease): LeaseFact => ({
    name: l.metadata?.name ?? '',
    holder: l.spec?.holderIdentity ?? '',
    hostname: l.metadata?.labels?.['kubernetes.io/hostname'],
    ageSeconds: seconds(l.spec?.renewTime ?? l.metadata?.creationTimestamp),
    durationSeconds: l.spec?.leaseDurationSeconds ?? 0,
  });
  const leaseItems = leases?.items ?? [];
  const leaderLeases: Record<string, LeaseFact | null> = {};
  for (const name of LEADERS) {
    const l = leaseItems.find((x) => x.metadata?.name === name);
    leaderLeases[name] = l ? leaseFact(l) : null;
  }
  const identityLeases = leaseItems
    .filter((l) => l.metadata?.labels?.['apiserver.kubernetes.io/identity'] === 'kube-apiserver')
    .map(leaseFact)
    .sort((a, b) => (a.hostname ?? a.name).localeCompare(b.hostname ?? b.name));

  const nodeFacts = (nodes?.items ?? []).map((n) => ({
    name: n.metadata?.name ?? '',
    ready: n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
    controlPlane: 'node-role.kubernetes.io/control-plane' in (n.metadata?.labels ?? {}),
    kubeletVersion: n.status?.nodeInfo?.kubeletVersion ?? '',
  }));
  const proxyPods = (pods?.items ?? []).flatMap((p) => {
    const kind = PROXY_APPS[p.metadata?.labels?.['k8s-app'] ?? ''];
    if (!kind) return [];
    const ready = p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    return [{ name: p.metadata?.name ?? '', node: p.spec?.nodeName ?? '', kind, ready }];
  });
  const kubeProxyServer = /^\s*server:\s*(\S+)/m.exec(cm?.data?.['kubeconfig.conf'] ?? '')?.[1];
  return {
    server: kc.getCurrentCluster()!.server,
    errors,
    endpointSource,
    apiServers,
    leaderLeases,
    identityLeases,
    nodes: nodeFacts,
    proxyPods,
    kubeProxyServer,
  };
}

/** The kubeconfig's TLS and credentials as plain request options, for probes of each server. */
async function tlsOf(kc: K8s.KubeConfig): Promise<ProbeTls> {
  const o: {
    ca?: Buffer;
    cert?: Buffer;
    key?: Buffer;
    rejectUnauthorized?: boolean;
    headers?: Record<string, string>;
    servername?: string;
  } = { headers: {} };
  await kc.applyToHTTPSOptions(o as never);
  return {
    ca: o.ca,
    cert: o.cert,
    key: o.key,
    rejectUnauthorized: o.rejectUnauthorized,
    headers: o.headers,
    servername: kc.getCurrentCluster()?.tlsServerName,
  };
}
