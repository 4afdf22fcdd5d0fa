import { checkIntervalFor, type CheckIntervalPlan } from './check-interval.js';
import type { FactCache, Inventory } from '../inventory/index.js';
import type { Diagnostic } from '../shared/diagnostics.js';
import { kubehaVersion } from '../shared/package-version.js';
import { apiserverSans } from '../kubespray/certificate-sans.js';
import { buildCluster, type KsCluster, type KsHost } from '../kubespray/cluster.js';
import { KUBEHA_ADMIN_PORT } from '../kubespray/defaults.js';
import {
  componentEndpoints,
  controlPlaneEndpoint,
  externalKubeconfig,
  kubeProxyServer,
} from '../kubespray/component-endpoints.js';
import type { ScopedValue } from '../kubespray/host-scope.js';
import type { KubesprayEra } from '../kubespray/versions.js';
import { accessPath } from './access-path.js';
import { eraChanges, eraDifferenceLines } from './era-differences.js';
import { LINT_RULE_IDS, runLintRules } from './lint-rules.js';
import { applyLintDisable } from './lint-disable.js';
import { describePattern } from './pattern.js';
import {
  PLAN_SCHEMA_VERSION,
  type AccessRow,
  type Plan,
  type PlanHost,
  type PlanKubehaSettings,
  type PlanLocalProxy,
  type PlanProxySettings,
  type PlanVariable,
} from './plan-types.js';

/** The variables shown in the plan, read on the first control plane. */
const PLAN_VARIABLES = [
  'loadbalancer_apiserver_localhost',
  'loadbalancer_apiserver',
  'apiserver_loadbalancer_domain_name',
  'loadbalancer_apiserver_type',
  'loadbalancer_apiserver_port',
  'loadbalancer_apiserver_healthcheck_port',
  'kube_apiserver_port',
  'kube_apiserver_bind_address',
  'ipv4_stack',
  'ipv6_stack',
];

export interface BuildOptions {
  era: KubesprayEra;
  /** diagnostics from loading the inventory, carried into the plan */
  inventoryDiagnostics?: Diagnostic[];
  /** compare with the other eras (off when building those comparisons) */
  compareEras?: boolean;
  /** the default kubeha_image_tag (default: this package's version) */
  kubehaVersion?: string;
  /** gathered facts (`--facts`, or the fact cache an ansible.cfg beside the inventory names) */
  facts?: FactCache;
  /** lint findings to leave out (`kubeha lint --disable`), besides kubeha_lint_disable */
  lintDisable?: string[];
}

export function buildPlan(inv: Inventory, opts: BuildOptions): Plan {
  const cluster = buildCluster(inv, opts.era, undefined, opts.facts?.hosts);
  const access = accessTable(cluster);
  const first = cluster.controlPlanes[0];
  const ext = externalKubeconfig(cluster);
  // Every node with a local proxy checks every API server.
  const checks = checkIntervalFor(cluster.hosts.filter((h) => h.localProxy).length);
  const plan: Plan = {
    schemaVersion: PLAN_SCHEMA_VERSION,
    kubespray: { version: opts.era.id, label: opts.era.label },
    sources: inv.sources,
    facts: opts.facts
      ? {
          dir: opts.facts.dir,
          from: opts.facts.from,
          hosts: cluster.hosts.filter((h) => h.net.mainIpSource === 'facts').map((h) => h.name),
        }
      : null,
    pattern: describePattern(cluster, access),
    variables: first ? planVariables(first) : {},
    controlPlanes: cluster.controlPlanes.map((c) => ({
      host: c.name,
      address: c.net.mainAccessIp,
      port: c.apiserverPort,
    })),
    externalLb: first?.lb
      ? {
          address: first.lb.address ?? null,
          port: first.lb.port ?? first.apiserverPort,
          domainName: first.domainName ?? null,
        }
      : null,
    endpoints: {
      controlPlaneEndpoint: controlPlaneEndpoint(cluster) ?? null,
      kubeProxy: kubeProxyServer(cluster)?.endpoint ?? null,
      global: first?.globalEndpoint ?? null,
      external: ext?.endpoint ?? null,
    },
    hosts: cluster.hosts.map((h) =>
      planHost(cluster, h, opts.kubehaVersion ?? kubehaVersion(), checks),
    ),
    access,
    certificateSans: apiserverSans(cluster),
    eraDifferences: [],
    eraChanges: [],
    diagnostics: [],
    disabledFindings: [],
  };
  plan.diagnostics = [
    ...(opts.inventoryDiagnostics ?? []).map((d) => ({
      id: d.code,
      severity: d.severity,
      message: d.message,
      fix: d.hint,
      file: d.file,
      line: d.line,
    })),
    ...runLintRules(cluster, plan),
  ];
  const off = applyLintDisable(cluster, plan.diagnostics, opts.lintDisable ?? [], LINT_RULE_IDS);
  plan.diagnostics = off.kept;
  plan.disabledFindings = off.disabled;
  if (opts.compareEras !== false) {
    plan.eraChanges = eraChanges(plan, cluster, opts.era, (era) => eraView(inv, era, cluster));
    plan.eraDifferences = eraDifferenceLines(plan.eraChanges);
  }
  return plan;
}

/** What eraDifferences compares: the pattern and the access table under another era. */
export interface EraView {
  kubespray: Plan['kubespray'];
  pattern: Plan['pattern'];
  access: AccessRow[];
}

function eraView(inv: Inventory, era: KubesprayEra, base: KsCluster): EraView {
  const cluster = buildCluster(inv, era, base, base.facts);
  const access = accessTable(cluster);
  return {
    kubespray: { version: era.id, label: era.label },
    pattern: describePattern(cluster, access),
    access,
  };
}

export function accessTable(cluster: KsCluster): AccessRow[] {
  return componentEndpoints(cluster).map((c) => {
    const from = cluster.byName.get(c.host);
    return {
      host: c.host,
      role: from ? (from.controlPlane ? 'control-plane' : 'worker') : 'outside',
      component: c.component,
      file: c.file,
      endpoint: c.endpoint,
      path: accessPath(cluster, from, c.endpoint),
      setBy: c.setBy,
    };
  });
}

function planHost(
  cluster: KsCluster,
  h: KsHost,
  version: string,
  checks: CheckIntervalPlan,
): PlanHost {
  const roles = [
    ...(h.controlPlane ? ['control-plane'] : []),
    ...(h.worker ? ['worker'] : []),
    ...(h.etcd ? ['etcd'] : []),
  ];
  return {
    name: h.name,
    roles,
    groups: h.groups,
    mainIp: h.net.mainIp,
    mainAccessIp: h.net.mainAccessIp,
    mainIpSource: h.net.mainIpSource,
    kubeApiserverEndpoint: h.endpoint,
    kubeApiserverGlobalEndpoint: h.globalEndpoint,
    localProxy: h.localProxy ? localProxy(cluster, h, version, checks) : null,
  };
}

function localProxy(
  cluster: KsCluster,
  h: KsHost,
  version: string,
  checks: CheckIntervalPlan,
): PlanLocalProxy {
  const type = h.localProxy!;
  const port = h.localLbPort;
  const s = h.scope;
  const kubeha = kubehaSettings(h, version, checks);
  const listen = [`127.0.0.1:${port}`, ...(h.ipv6Stack ? [`[::1]:${port}`] : [])];
  const healthListen =
    type === 'kubeha'
      ? [`127.0.0.1:${kubeha.adminPort}`]
      : h.healthPort === undefined
        ? []
        : type === 'nginx'
          ? [`*:${h.healthPort}`, ...(h.ipv6Stack ? [`[::]:${h.healthPort}`] : [])]
          : [`0.0.0.0:${h.healthPort}`, ...(h.ipv6Stack ? [`[::]:${h.healthPort}`] : [])];
  const manifestDir = s.string('kube_manifest_dir') ?? '/etc/kubernetes/manifests';
  const configDir =
    type === 'kubeha'
      ? kubeha.configDir
      : type === 'nginx'
        ? (s.string('nginx_config_dir') ?? '/etc/nginx')
        : (s.string('haproxy_config_dir') ?? '/etc/haproxy');
  const files = [`${configDir}/${CONFIG_FILE[type]}`, `${manifestDir}/${MANIFEST_FILE[type]}`];
  const settings: PlanProxySettings = {
    listenPort: port,
    apiserverPort: h.apiserverPort,
    healthPort: h.healthPort ?? null,
    ipv6Stack: h.ipv6Stack,
    keepaliveTimeout: s.string('loadbalancer_apiserver_keepalive_timeout') ?? '5m',
    rlimitNofile: cluster.era.nginxRlimitNofile,
    haproxyIpv6BindSemicolon: cluster.era.haproxyIpv6BindSemicolon,
    // roles/kubernetes/node/defaults/main.yml names any type but nginx "haproxy"
    podName:
      type === 'kubeha'
        ? 'kubeha-proxy'
        : (s.string('loadbalancer_apiserver_pod_name') ??
          (type === 'nginx' ? 'nginx-proxy' : 'haproxy')),
    image:
      type === 'kubeha'
        ? kubeha.image
        : `${s.string(`${type}_image_repo`)}:${s.string(`${type}_image_tag`)}`,
    pullPolicy: s.string('k8s_image_pull_policy') ?? 'IfNotPresent',
    cpuRequests: s.string('loadbalancer_apiserver_cpu_requests') ?? '25m',
    memoryRequests: s.string('loadbalancer_apiserver_memory_requests') ?? '32M',
    configDir,
    manifestDir,
    kubeha,
  };
  return {
    type,
    deployedBy: type === 'kubeha' ? 'kubeha-playbook' : 'kubespray',
    listen,
    healthListen,
    upstreams: cluster.controlPlanes.map((c) => ({
      host: c.name,
      address: c.net.mainAccessIp,
      // the upstream port is kube_apiserver_port as seen on the proxy's host
      port: h.apiserverPort,
    })),
    files,
    settings,
  };
}

const CONFIG_FILE = { nginx: 'nginx.conf', haproxy: 'haproxy.cfg', kubeha: 'proxy.yaml' };
const MANIFEST_FILE = {
  nginx: 'nginx-proxy.yml',
  haproxy: 'haproxy.yml',
  kubeha: 'kubeha-proxy.yml',
};

/** kubeha's inputs on a host (src/kubespray/defaults.ts KUBEHA_DEFAULTS for the defaults). */
function kubehaSettings(
  h: KsHost,
  version: string,
  healthCheck: CheckIntervalPlan,
): PlanKubehaSettings {
  const s = h.scope;
  return {
    image: `${s.string('kubeha_image_repo')}:${s.string('kubeha_image_tag') ?? version}`,
    configDir: s.string('kubeha_config_dir') ?? '/etc/kubeha',
    certDir: s.string('kube_cert_dir') ?? '/etc/kubernetes/ssl',
    kubeConfigDir: s.string('kube_config_dir') ?? '/etc/kubernetes',
    adminPort: h.healthPort ?? KUBEHA_ADMIN_PORT,
    binDir: s.string('bin_dir') ?? '/usr/local/bin',
    healthCheck,
  };
}

function planVariables(first: KsHost): Record<string, PlanVariable> {
  const out: Record<string, PlanVariable> = {};
  for (const name of PLAN_VARIABLES) {
    const v = first.scope.lookup(name);
    out[name] =
      v === null ? { value: null, from: 'undefined' } : { value: v.value, from: describeSource(v) };
  }
  return out;
}

export function describeSource(v: ScopedValue): string {
  if (v.source.kind === 'default') return v.source.from;
  if (v.source.kind === 'magic') return 'Ansible';
  const o = v.source.origin;
  return o.line !== undefined
    ? `${o.file}:${o.line}`
    : o.file === '?'
      ? o.layer
      : `${o.file} (${o.layer})`;
}
