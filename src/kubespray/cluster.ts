import { groupHosts, type AnsibleValue, type Inventory } from '../inventory/index.js';
import { ipwrap } from '../shared/address.js';
import { HostScope } from './host-scope.js';
import { networkFacts, type GatheredFacts, type NetworkFacts } from './network-facts.js';
import type { KubesprayEra } from './versions.js';

export type LocalProxyType = 'nginx' | 'haproxy' | 'kubeha';

/**
 * The loadbalancer_apiserver_type values a local proxy exists for. Kubespray's
 * roles/kubernetes/node/tasks/main.yml acts only on nginx and haproxy; any other
 * value deploys nothing while workers keep https://localhost:{port}. kubeha is
 * such a value: kubeha's playbook (deploy/kubespray/kubeha-proxy.yml) places its
 * proxy on the same hosts, so the planner treats it as a local proxy.
 */
export const LOCAL_PROXY_TYPES: readonly LocalProxyType[] = ['nginx', 'haproxy', 'kubeha'];

/** `loadbalancer_apiserver` as the inventory gives it. */
export interface ExternalLbSpec {
  address?: string;
  port?: number;
  /** the raw value, for messages */
  raw: AnsibleValue;
}

/** One host with the Kubespray facts the planner needs, evaluated per host as Ansible does. */
export interface KsHost {
  name: string;
  scope: HostScope;
  groups: string[];
  controlPlane: boolean;
  /** in kube_node */
  worker: boolean;
  etcd: boolean;
  /** in k8s_cluster: the hosts roles/kubernetes/node runs on */
  inCluster: boolean;
  net: NetworkFacts;
  apiserverPort: number;
  bindAddress: string;
  /** loadbalancer_apiserver_localhost, Jinja truthiness */
  localLb: boolean;
  lb?: ExternalLbSpec;
  /** loadbalancer_apiserver_port | default(kube_apiserver_port): the local proxy's port */
  localLbPort: number;
  healthPort?: number;
  ipv6Stack: boolean;
  proxyType: string;
  domainName?: string;
  /** kube_apiserver_endpoint */
  endpoint: string;
  /** kube_apiserver_global_endpoint */
  globalEndpoint: string;
  /**
   * which local proxy runs here, if any: nginx or haproxy as roles/kubernetes/node
   * deploys them, or kubeha, which Kubespray leaves to deploy/kubespray/kubeha-proxy.yml
   */
  localProxy: LocalProxyType | null;
}

export interface KsCluster {
  era: KubesprayEra;
  inventory: Inventory;
  /** hosts of k8s_cluster and etcd, in inventory order */
  hosts: KsHost[];
  /** groups['kube_control_plane'] in order; the first is kubeadm's init node */
  controlPlanes: KsHost[];
  byName: Map<string, KsHost>;
  /** the gathered facts the addresses were read from, if any */
  facts?: ReadonlyMap<string, GatheredFacts>;
}

/**
 * `base`: the same inventory under another era, whose era-independent values are reused.
 * `facts`: gathered facts per host (`--facts`), read by roles/network_facts.
 */
export function buildCluster(
  inv: Inventory,
  era: KubesprayEra,
  base?: KsCluster,
  facts?: ReadonlyMap<string, GatheredFacts>,
): KsCluster {
  const cpNames = inv.groups.has('kube_control_plane') ? groupHosts(inv, 'kube_control_plane') : [];
  const cpSet = new Set(cpNames);
  const nodeNames = new Set(inv.groups.has('kube_node') ? groupHosts(inv, 'kube_node') : []);
  const etcdNames = new Set(inv.groups.has('etcd') ? groupHosts(inv, 'etcd') : []);
  const clusterNames = new Set(inv.groups.has('k8s_cluster') ? groupHosts(inv, 'k8s_cluster') : []);
  const names = [...inv.hosts.keys()].filter(
    (h) => clusterNames.has(h) || etcdNames.has(h) || cpSet.has(h) || nodeNames.has(h),
  );
  const hosts = names.map((name) => {
    const scope = new HostScope(inv, name, era, base?.byName.get(name)?.scope);
    return {
      name,
      scope,
      groups: scope.groupNames,
      controlPlane: cpSet.has(name),
      worker: nodeNames.has(name),
      etcd: etcdNames.has(name),
      inCluster: clusterNames.has(name),
      net: networkFacts(scope, facts?.get(name)),
    };
  });
  const byNameBase = new Map(hosts.map((h) => [h.name, h]));
  const firstCp = cpNames.length > 0 ? byNameBase.get(cpNames[0]!) : undefined;

  const full: KsHost[] = hosts.map((base) => {
    // filled in place: 5,000-host inventories make copies show up in GC time
    const h = base as KsHost;
    const s = h.scope;
    const apiserverPort = s.number('kube_apiserver_port') ?? 6443;
    const localLbPort = s.number('loadbalancer_apiserver_port') ?? apiserverPort;
    const lb = externalLb(s.get('loadbalancer_apiserver'), s.isDefined('loadbalancer_apiserver'));
    const localLb = s.truthy('loadbalancer_apiserver_localhost');
    const bindAddress = s.string('kube_apiserver_bind_address') ?? '::';
    const domainName = s.string('apiserver_loadbalancer_domain_name');
    const firstAddr = firstCp ? ipwrap(firstCp.net.mainAccessIp) : '(no control plane)';
    const wrap = era.lbDomainIpwrap ? ipwrap : (x: string) => x;
    const lbUrl = `https://${domainName === undefined ? '(undefined)' : wrap(domainName)}:${lb?.port ?? apiserverPort}`;
    // roles/kubespray_defaults/defaults/main/main.yml: kube_apiserver_endpoint
    let endpoint: string;
    if (lb) endpoint = lbUrl;
    else if (!h.controlPlane && localLb) endpoint = `https://localhost:${localLbPort}`;
    else if (h.controlPlane) {
      endpoint = `https://${ipwrap(bindAddress.replaceAll('::', '127.0.0.1'))}:${apiserverPort}`;
    } else endpoint = `https://${firstAddr}:${apiserverPort}`;
    // kube_apiserver_global_endpoint
    const sameOk = !era.globalLocalhostSamePortOnly || localLbPort === apiserverPort;
    const globalEndpoint = lb
      ? lbUrl
      : localLb && sameOk
        ? `https://localhost:${era.globalLocalhostSamePortOnly ? apiserverPort : localLbPort}`
        : `https://${firstAddr}:${apiserverPort}`;
    // roles/kubernetes/node/tasks/main.yml "Install nginx-proxy" / "Install haproxy":
    // the same `when:` places kubeha (deploy/kubespray/kubeha-proxy.yml)
    const proxyType = s.string('loadbalancer_apiserver_type') ?? 'nginx';
    const placed = h.inCluster && (!h.controlPlane || bindAddress !== '::') && localLb;
    const localProxy =
      placed && (LOCAL_PROXY_TYPES as readonly string[]).includes(proxyType)
        ? (proxyType as LocalProxyType)
        : null;
    h.apiserverPort = apiserverPort;
    h.bindAddress = bindAddress;
    h.localLb = localLb;
    h.lb = lb;
    h.localLbPort = localLbPort;
    h.healthPort = s.number('loadbalancer_apiserver_healthcheck_port');
    h.ipv6Stack = s.truthy('ipv6_stack');
    h.proxyType = proxyType;
    h.domainName = domainName;
    h.endpoint = endpoint;
    h.globalEndpoint = globalEndpoint;
    h.localProxy = localProxy;
    return h;
  });
  const byName = new Map(full.map((h) => [h.name, h]));
  return {
    era,
    inventory: inv,
    hosts: full,
    controlPlanes: cpNames.map((n) => byName.get(n)!).filter(Boolean),
    byName,
    facts,
  };
}

function externalLb(v: AnsibleValue | undefined, defined: boolean): ExternalLbSpec | undefined {
  if (!defined) return undefined;
  const spec: ExternalLbSpec = { raw: v ?? null };
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, AnsibleValue>;
    if (o.address !== undefined && o.address !== null) spec.address = String(o.address);
    if (o.port !== undefined && o.port !== null && Number.isInteger(Number(o.port))) {
      spec.port = Number(o.port);
    }
  }
  return spec;
}
