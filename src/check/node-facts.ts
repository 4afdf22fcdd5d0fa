/**
 * What node mode reads on a node (under `--root`, so a copy of a node's files can
 * be checked anywhere): the kubeconfig of each component, the local proxy's
 * configuration, containerd's base OCI spec, and probes of the local API-server
 * endpoint and the proxy's health listener.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  parseCriBase,
  parseHaproxyCfg,
  parseKubehaConfig,
  parseNginxConf,
  parseKubeconfig,
  type KubeconfigInfo,
  type ProxyConfigInfo,
  type RlimitInfo,
} from './node-files.js';
import { probe, type ProbeResult } from './probe.js';

/** The kubeconfigs Kubespray and kubeadm write, by the component names the plan's access table uses. */
export const NODE_KUBECONFIGS: [string, string][] = [
  ['kubelet', '/etc/kubernetes/kubelet.conf'],
  ['admin-kubeconfig', '/etc/kubernetes/admin.conf'],
  ['super-admin-kubeconfig', '/etc/kubernetes/super-admin.conf'],
  ['kube-controller-manager', '/etc/kubernetes/controller-manager.conf'],
  ['kube-scheduler', '/etc/kubernetes/scheduler.conf'],
  // kube-proxy's comes from ConfigMap kube-system/kube-proxy; on disk only where it is mounted.
  ['kube-proxy', '/var/lib/kube-proxy/kubeconfig.conf'],
];

/** Static pod manifest -> the proxy and its configuration file. */
const PROXIES: [string, ProxyConfigInfo['kind'], string][] = [
  ['/etc/kubernetes/manifests/nginx-proxy.yml', 'nginx', '/etc/nginx/nginx.conf'],
  ['/etc/kubernetes/manifests/haproxy.yml', 'haproxy', '/etc/haproxy/haproxy.cfg'],
  ['/etc/kubernetes/manifests/kubeha-proxy.yml', 'kubeha', '/etc/kubeha/proxy.yaml'],
  ['/etc/systemd/system/kubeha-proxy.service', 'kubeha', '/etc/kubeha/proxy.yaml'],
];

export interface NodeFacts {
  root: string;
  hostname?: string;
  /** a kube-apiserver static pod manifest is present */
  controlPlane: boolean;
  kubeconfigs: { component: string; file: string; info?: KubeconfigInfo }[];
  proxy?: ProxyConfigInfo;
  cri?: RlimitInfo & { file: string };
  apiserverProbe?: { url: string; result: ProbeResult; gitVersion?: string };
  healthProbe?: { url: string; result: ProbeResult };
}

export interface NodeFactOptions {
  root: string;
  /** where the local API-server endpoint is probed (default https://127.0.0.1:6443) */
  localApiserver: string;
  /** the proxy's health listener (default: from its configuration) */
  healthUrl?: string;
  probes: boolean;
  timeoutMs: number;
}

async function readText(root: string, file: string): Promise<string | undefined> {
  try {
    return await readFile(join(root, file), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function gatherNodeFacts(o: NodeFactOptions): Promise<NodeFacts> {
  const text = (f: string) => readText(o.root, f);
  const facts: NodeFacts = {
    root: o.root,
    hostname: (await text('/etc/hostname'))?.trim() || undefined,
    controlPlane: (await text('/etc/kubernetes/manifests/kube-apiserver.yaml')) !== undefined,
    kubeconfigs: [],
  };
  for (const [component, file] of NODE_KUBECONFIGS) {
    const t = await text(file);
    facts.kubeconfigs.push({
      component,
      file,
      info: t === undefined ? undefined : parseKubeconfig(t),
    });
  }
  for (const [manifest, kind, file] of PROXIES) {
    if ((await text(manifest)) === undefined) continue;
    const t = await text(file);
    const parse = { nginx: parseNginxConf, haproxy: parseHaproxyCfg, kubeha: parseKubehaConfig }[
      kind
    ];
    facts.proxy =
      t === undefined
        ? {
            kind,
            file,
            listen: [],
            upstreams: [],
            error: `${manifest} is present, ${file} is missing`,
          }
        : parse(t, file);
    break;
  }
  const cri = await text('/etc/containerd/cri-base.json');
  if (cri !== undefined)
    facts.cri = { file: '/etc/containerd/cri-base.json', ...parseCriBase(cri) };
  if (!o.probes) return facts;

  // The kubelet's own credentials and CA, as the kubelet would connect.
  const kubelet = facts.kubeconfigs.find((k) => k.component === 'kubelet')?.info;
  const file = async (f?: string) => (f ? await text(f) : undefined);
  const ca = kubelet?.caData ?? (await file(kubelet?.caFile));
  const url = `${o.localApiserver.replace(/\/+$/, '')}/version`;
  const serverHost = kubelet?.server ? new URL(kubelet.server).hostname : undefined;
  const result = await probe(
    url,
    {
      ca,
      cert: kubelet?.certData ?? (await file(kubelet?.certFile)),
      key: kubelet?.keyData ?? (await file(kubelet?.keyFile ?? kubelet?.certFile)),
      rejectUnauthorized: ca !== undefined,
      servername: serverHost && !/^[\d.]+$|:/.test(serverHost) ? serverHost : undefined,
    },
    o.timeoutMs,
  );
  let gitVersion: string | undefined;
  try {
    gitVersion = (JSON.parse(result.body ?? '') as { gitVersion?: string }).gitVersion;
  } catch {
    /* reported as no version */
  }
  facts.apiserverProbe = { url, result, gitVersion };
  const healthUrl = o.healthUrl ?? facts.proxy?.healthUrl;
  if (healthUrl)
    facts.healthProbe = { url: healthUrl, result: await probe(healthUrl, {}, o.timeoutMs) };
  return facts;
}
