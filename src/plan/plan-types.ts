/**
 * The plan: kubeha's answer for one inventory, before anything is deployed.
 * This is the JSON/YAML schema `kubeha plan -o json` prints and `plan.json`
 * holds; `simulate`, `check` and the proxy config renderer read it. Keep it
 * stable: add fields, never rename or remove them without bumping schemaVersion.
 * Documented in docs/planner.md.
 */
export const PLAN_SCHEMA_VERSION = 1;

export type PatternId = 'case1' | 'case2' | 'case3' | 'single' | 'broken' | 'none';

export interface PlanPattern {
  /** what Kubespray will actually build */
  id: PatternId;
  name: string;
  /** what the two variables ask for (the usual table of the three patterns) */
  requested: PatternId;
  requestedName: string;
  /** set when requested != id: why Kubespray builds something else */
  mismatch?: string;
  /** set when hosts in kube_node/kube_control_plane stay out of k8s_cluster (old group names): what Kubespray skips and why */
  notDeployed?: string;
  summary: string;
}

/** How a connection to an endpoint from a given host reaches an API server. */
export type PathKind =
  | 'local-apiserver' // the API server on the same host
  | 'local-proxy' // nginx/haproxy/kubeha on the same host, to every control plane
  | 'external-lb' // the external load balancer, to every control plane
  | 'direct' // one control plane's address: no failover
  | 'unresolved' // a name nothing in the plan maps (e.g. lb-apiserver.kubernetes.local without DNS)
  | 'nothing-listens'; // loopback, but no proxy or API server on that port

export interface AccessPath {
  kind: PathKind;
  /** hosts (control planes) the connection can end on */
  targets: string[];
  /** "local proxy (nginx) → cp1, cp2, cp3" */
  text: string;
}

export interface AccessRow {
  host: string;
  /** control-plane | worker | outside */
  role: string;
  component: string;
  file: string;
  endpoint: string;
  path: AccessPath;
  setBy: string;
}

export interface PlanUpstream {
  host: string;
  address: string;
  port: number;
}

export interface PlanLocalProxy {
  /** loadbalancer_apiserver_type */
  type: 'nginx' | 'haproxy' | 'kubeha';
  /**
   * who puts it there: Kubespray's roles/kubernetes/node (nginx, haproxy), or
   * kubeha's deploy/kubespray/kubeha-proxy.yml (kubeha: Kubespray deploys nothing)
   */
  deployedBy: 'kubespray' | 'kubeha-playbook';
  /** host:port the proxy listens on (loopback) */
  listen: string[];
  /** health listener (nginx/haproxy, when loadbalancer_apiserver_healthcheck_port is set), or kubeha's admin endpoint */
  healthListen: string[];
  upstreams: PlanUpstream[];
  /** files Kubespray (or kubeha's playbook) writes, absolute paths on the host */
  files: string[];
  /** the template inputs for those files, resolved for this host */
  settings: PlanProxySettings;
}

export interface PlanProxySettings {
  listenPort: number;
  apiserverPort: number;
  healthPort: number | null;
  ipv6Stack: boolean;
  keepaliveTimeout: string;
  /** nginx.conf worker_rlimit_nofile of the Kubespray release */
  rlimitNofile: number;
  /** the release's haproxy.cfg.j2 ends the IPv6 bind line with ";" (v2.29 and earlier) */
  haproxyIpv6BindSemicolon: boolean;
  podName: string;
  image: string;
  pullPolicy: string;
  cpuRequests: string;
  memoryRequests: string;
  /** nginx_config_dir / haproxy_config_dir */
  configDir: string;
  /** kube_manifest_dir */
  manifestDir: string;
  /** the inputs of kubeha's files, for any type (`render --proxy kubeha` switches) */
  kubeha: PlanKubehaSettings;
}

import type { CheckIntervalPlan } from './check-interval.js';

export interface PlanKubehaSettings {
  /** kubeha_image_repo:kubeha_image_tag (defaults {{ github_image_repo }}/kubeha/kubeha and kubeha's version) */
  image: string;
  /** kubeha_config_dir (default /etc/kubeha): proxy.yaml */
  configDir: string;
  /** kube_cert_dir: the cluster CA is {certDir}/ca.crt */
  certDir: string;
  /** kube_config_dir: the kubelet's kubeconfig is {kubeConfigDir}/kubelet.conf */
  kubeConfigDir: string;
  /** the admin endpoint's port on 127.0.0.1: loadbalancer_apiserver_healthcheck_port, else 8081 */
  adminPort: number;
  /** bin_dir: where the systemd unit expects the kubeha command */
  binDir: string;
  /** healthCheck.interval scaled with the number of nodes running a proxy (check-interval.ts) */
  healthCheck: CheckIntervalPlan;
}

export interface PlanHost {
  name: string;
  roles: string[];
  groups: string[];
  mainIp: string;
  mainAccessIp: string;
  /** ip | access_ip | ip6 | access_ip6 | facts | ansible_host | fallback */
  mainIpSource: string;
  kubeApiserverEndpoint: string;
  kubeApiserverGlobalEndpoint: string;
  localProxy: PlanLocalProxy | null;
}

export interface PlanVariable {
  value: unknown;
  /** "group_vars/all/all.yml:3", "Kubespray 2.31 default", … */
  from: string;
}

/** One release's change for one group of hosts (none: the whole cluster). */
export interface EraChange {
  /** v2.29, v2.30, v2.31, main */
  release: string;
  hosts: string[];
  /** the new endpoints and paths, by component: "kubelet, … → URL (path)" */
  change: string;
  /** per component, old and new ("instead of"), for `-o wide` */
  detail: string[];
  /** the Kubespray changes this row depends on */
  why: string[];
}

export interface PlanDiagnostic {
  /** lint rule id, e.g. KH020, or an inventory diagnostic code */
  id: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  fix?: string;
  host?: string;
  file?: string;
  line?: number;
}

export interface Plan {
  schemaVersion: number;
  kubespray: { version: string; label: string };
  sources: string[];
  /** the fact cache read (`--facts DIR`, or named by an ansible.cfg beside the inventory) */
  facts: { dir: string; from: string; hosts: string[] } | null;
  pattern: PlanPattern;
  /** the variables that decide the pattern, as seen on the first control plane */
  variables: Record<string, PlanVariable>;
  controlPlanes: PlanUpstream[];
  externalLb: { address: string | null; port: number; domainName: string | null } | null;
  endpoints: {
    /** kubeadm controlPlaneEndpoint */
    controlPlaneEndpoint: string | null;
    /** the kube-proxy ConfigMap's server */
    kubeProxy: string | null;
    /** kube_apiserver_global_endpoint (first control plane) */
    global: string | null;
    /** the admin kubeconfig artifact for outside users */
    external: string | null;
  };
  hosts: PlanHost[];
  access: AccessRow[];
  certificateSans: string[];
  /** how the other modelled Kubespray releases differ for this inventory, every row (text) */
  eraDifferences: string[];
  /** the same, one entry per release and host group */
  eraChanges: EraChange[];
  diagnostics: PlanDiagnostic[];
  /** findings turned off (`lint --disable`, kubeha_lint_disable): not in `diagnostics` */
  disabledFindings: PlanDiagnostic[];
}
