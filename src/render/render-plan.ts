import { resolveKubesprayVersion } from '../kubespray/versions.js';
import type { Plan, PlanHost, PlanLocalProxy } from '../plan/plan-types.js';
import { renderExternalHaproxy, renderKeepalived } from './external-lb.js';
import { renderHaproxyCfg } from './haproxy-cfg.js';
import { renderKubehaProxy } from './kubeha-proxy.js';
import { DISCOVERY_RBAC_FILE, renderDiscoveryRbac } from './discovery-rbac.js';
import { stringify } from 'yaml';
import { KUBEHA_UNIT_PATH, renderKubehaUnit } from './kubeha-systemd.js';
import { parseImageRef } from '../shared/image-ref.js';
import { KubehaError } from '../shared/errors.js';
import { renderNginxConf } from './nginx-conf.js';
import { renderProxyManifest } from './proxy-manifests.js';

/** One file to write, relative to the output directory. */
export interface RenderedFile {
  path: string;
  content: string;
}

export type ProxyChoice = 'nginx' | 'haproxy' | 'kubeha';

export interface RenderOptions {
  /** replace the local proxy Kubespray would deploy (default: keep its type) */
  proxy?: ProxyChoice;
  /** the kubeha image (default: the plan's kubeha_image_repo:kubeha_image_tag) */
  image?: string;
}

/** Pure: plan → files. Paths are `<host>/<absolute path on the host without the leading />`. */
export function renderPlan(plan: Plan, opts: RenderOptions = {}): RenderedFile[] {
  const files: RenderedFile[] = [];
  const header = `Rendered by kubeha from ${plan.sources.join(', ')} for ${plan.kubespray.label}.`;
  for (const host of plan.hosts) {
    if (!host.localProxy) continue;
    files.push(...hostProxyFiles(plan, host, host.localProxy, opts, header));
  }
  // kubeha proxies discover control planes as the kubelet: one grant for the cluster
  if (plan.hosts.some((h) => h.localProxy && (opts.proxy ?? h.localProxy.type) === 'kubeha'))
    files.push({
      path: DISCOVERY_RBAC_FILE,
      content: renderDiscoveryRbac(header, (o) => stringify(o, { aliasDuplicateObjects: false })),
    });
  if (
    plan.externalLb &&
    (plan.pattern.id === 'case2' ||
      plan.pattern.id === 'case3' ||
      plan.pattern.requested === 'case2' ||
      plan.pattern.requested === 'case3')
  ) {
    files.push({ path: 'external-lb/haproxy.cfg', content: renderExternalHaproxy(plan, header) });
    files.push({ path: 'external-lb/keepalived.conf', content: renderKeepalived(plan, header) });
  }
  files.push(...kubeconfigSnippets(plan, header));
  files.push({ path: 'plan.json', content: `${JSON.stringify(plan, null, 2)}\n` });
  return files;
}

function hostProxyFiles(
  plan: Plan,
  host: PlanHost,
  proxy: PlanLocalProxy,
  opts: RenderOptions,
  header: string,
): RenderedFile[] {
  const s = proxy.settings;
  const rel = (abs: string) => `${host.name}/${abs.replace(/^\/+/, '')}`;
  const type = opts.proxy ?? proxy.type;
  if (type === 'kubeha') {
    const k = renderKubehaProxy(host, proxy, kubehaImage(opts.image ?? s.kubeha.image), header);
    return [
      { path: rel(k.configPath), content: k.config },
      { path: rel(`${s.manifestDir}/kubeha-proxy.yml`), content: k.manifest },
      { path: rel(KUBEHA_UNIT_PATH), content: renderKubehaUnit(host, proxy, header) },
    ];
  }
  const upstreamAddrs = proxy.upstreams.map((u) => u.address);
  let config: string;
  let configPath: string;
  if (type === 'nginx') {
    config = renderNginxConf({
      rlimitNofile: s.rlimitNofile,
      upstreams: upstreamAddrs,
      apiserverPort: s.apiserverPort,
      listenPort: s.listenPort,
      ipv6Stack: s.ipv6Stack,
      healthPort: s.healthPort ?? undefined,
      keepaliveTimeout: s.keepaliveTimeout,
    });
    configPath = `${type === proxy.type ? s.configDir : '/etc/nginx'}/nginx.conf`;
  } else {
    config = renderHaproxyCfg({
      upstreams: proxy.upstreams.map((u) => ({ name: u.host, address: u.address })),
      apiserverPort: s.apiserverPort,
      listenPort: s.listenPort,
      ipv6Stack: s.ipv6Stack,
      healthPort: s.healthPort ?? undefined,
      keepaliveTimeout: s.keepaliveTimeout,
      ipv6BindSemicolon: s.haproxyIpv6BindSemicolon,
    });
    configPath = `${type === proxy.type ? s.configDir : '/etc/haproxy'}/haproxy.cfg`;
  }
  // With --proxy switching type, the settings Kubespray derives from the type follow it.
  const switched = type !== proxy.type;
  const manifest = renderProxyManifest({
    type,
    podName: switched ? (type === 'nginx' ? 'nginx-proxy' : 'haproxy') : s.podName,
    image: switched ? defaultImage(plan, type) : s.image,
    pullPolicy: s.pullPolicy,
    cpuRequests: s.cpuRequests,
    memoryRequests: s.memoryRequests,
    healthPort: s.healthPort ?? undefined,
    configDir: configPath.slice(0, configPath.lastIndexOf('/')),
    config,
  });
  return [
    { path: rel(configPath), content: config },
    {
      path: rel(`${s.manifestDir}/${type === 'nginx' ? 'nginx-proxy.yml' : 'haproxy.yml'}`),
      content: manifest,
    },
  ];
}

/** The image, refused as one error before anything is written when it does not parse. */
function kubehaImage(image: string): string {
  const parsed = parseImageRef(image);
  if ('error' in parsed) {
    throw new KubehaError('E_IMAGE_REF', `invalid kubeha image "${image}": ${parsed.error}`, {
      hint: 'give --image REGISTRY/NAME:TAG, or kubeha_image_repo and kubeha_image_tag in the inventory',
    });
  }
  return image;
}

function defaultImage(plan: Plan, type: 'nginx' | 'haproxy'): string {
  const era = resolveKubesprayVersion(plan.kubespray.version);
  return `docker.io/library/${type}:${type === 'nginx' ? era.nginxImageTag : era.haproxyImageTag}`;
}

/**
 * kubeconfig/<host>.yaml: for each component on the host, a kubeconfig `clusters`
 * entry with the server it should use (YAML documents, one per component).
 */
function kubeconfigSnippets(plan: Plan, header: string): RenderedFile[] {
  const byHost = new Map<string, string[]>();
  for (const r of plan.access) {
    const host = r.host === '(outside)' ? 'outside' : r.host;
    const doc =
      `# ${r.component}: ${r.file}\n# path: ${r.path.text}\n# set by: ${r.setBy}\n` +
      `apiVersion: v1\nkind: Config\nclusters:\n- name: ${r.component}\n  cluster:\n    server: ${r.endpoint}\n`;
    byHost.set(host, [...(byHost.get(host) ?? []), doc]);
  }
  return [...byHost].map(([host, docs]) => ({
    path: `kubeconfig/${host}.yaml`,
    content: `# ${header}\n${docs.join('---\n')}`,
  }));
}
