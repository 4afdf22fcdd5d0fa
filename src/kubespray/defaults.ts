import type { AnsibleValue } from '../inventory/index.js';
import type { KubesprayEra } from './versions.js';
import { truthy } from './template.js';

/**
 * Kubespray's role defaults for the variables the planner reads, applied when
 * the inventory does not set them. Plain values and `{{ }}` strings are copied
 * from the files named beside them (main at 46dbdd3 unless the era says
 * otherwise); the few Jinja expressions the resolver does not evaluate are
 * computed here by functions that say which expression they mirror.
 */
export interface DefaultContext {
  era: KubesprayEra;
  isDefined(name: string): boolean;
  get(name: string): AnsibleValue | undefined;
}

export type DefaultValue = AnsibleValue | ((ctx: DefaultContext) => AnsibleValue | undefined);

export const KUBESPRAY_DEFAULTS: Record<string, DefaultValue> = {
  // roles/kubespray_defaults/defaults/main/main.yml
  bin_dir: '/usr/local/bin',
  kube_apiserver_port: 6443,
  kube_apiserver_bind_address: '::',
  kube_config_dir: '/etc/kubernetes',
  kube_manifest_dir: '{{ kube_config_dir }}/manifests',
  kube_cert_dir: '{{ kube_config_dir }}/ssl',
  nginx_config_dir: '/etc/nginx',
  haproxy_config_dir: '/etc/haproxy',
  cluster_name: 'cluster.local',
  dns_domain: '{{ cluster_name }}',
  kube_service_addresses: '10.233.0.0/18',
  kubeconfig_localhost: false,
  kube_vip_enabled: false,
  supplementary_addresses_in_ssl_keys: [],
  ipv4_stack: true,
  // ipv6_stack: "{{ enable_dual_stack_networks | default(false) }}"
  ipv6_stack: '{{ enable_dual_stack_networks | default(false) }}',
  loadbalancer_apiserver_type: 'nginx',
  // loadbalancer_apiserver_localhost: "{{ loadbalancer_apiserver is not defined }}"
  loadbalancer_apiserver_localhost: (ctx) => !ctx.isDefined('loadbalancer_apiserver'),
  // v2.30+: "{{ 'localhost' if loadbalancer_apiserver_localhost else (loadbalancer_apiserver.address | d(undef())) }}"
  // up to v2.29: "lb-apiserver.kubernetes.local"
  apiserver_loadbalancer_domain_name: (ctx) => {
    if (ctx.era.domainDefault === 'legacy') return 'lb-apiserver.kubernetes.local';
    if (truthy(ctx.get('loadbalancer_apiserver_localhost') ?? null)) return 'localhost';
    const lb = ctx.get('loadbalancer_apiserver');
    if (lb && typeof lb === 'object' && !Array.isArray(lb) && 'address' in lb) {
      return (lb as Record<string, AnsibleValue>).address ?? undefined;
    }
    return undefined; // undef(): the variable stays undefined
  },
  // roles/kubespray_defaults/defaults/main/download.yml
  docker_image_repo: 'docker.io',
  github_image_repo: 'ghcr.io',
  nginx_image_repo: '{{ docker_image_repo }}/library/nginx',
  nginx_image_tag: (ctx) => ctx.era.nginxImageTag,
  haproxy_image_repo: '{{ docker_image_repo }}/library/haproxy',
  haproxy_image_tag: (ctx) => ctx.era.haproxyImageTag,
  k8s_image_pull_policy: 'IfNotPresent',
  // roles/kubernetes/node/defaults/main.yml
  loadbalancer_apiserver_memory_requests: '32M',
  loadbalancer_apiserver_cpu_requests: '25m',
  loadbalancer_apiserver_keepalive_timeout: '5m',
  loadbalancer_apiserver_pod_name: (ctx) =>
    ctx.get('loadbalancer_apiserver_type') === 'nginx' ? 'nginx-proxy' : 'haproxy',
};

/**
 * kubeha's own inventory variables, in Kubespray's style (`*_image_repo` built on
 * `github_image_repo` like kube_vip_image_repo, so a cluster that mirrors ghcr.io
 * gets kubeha from its mirror too). Read by the planner and by
 * deploy/kubespray/*.yml; consulted after Kubespray's defaults. kubeha_image_tag
 * has no default here: it is kubeha's own version (the renderer knows it).
 */
/** kubeha proxy's admin port when loadbalancer_apiserver_healthcheck_port is unset (its schema's default). */
export const KUBEHA_ADMIN_PORT = 8081;

export const KUBEHA_DEFAULTS: Record<string, AnsibleValue> = {
  kubeha_image_repo: '{{ github_image_repo }}/kubeha/kubeha',
  kubeha_config_dir: '/etc/kubeha',
};

/** Booleans Kubespray's validate_inventory checks are not strings (roles/validate_inventory). */
export const KUBESPRAY_BOOLEANS = [
  'loadbalancer_apiserver_localhost',
  'ipv4_stack',
  'ipv6_stack',
  'enable_dual_stack_networks',
  'kubeconfig_localhost',
  'kubeconfig_localhost_ansible_host',
  'kube_vip_enabled',
] as const;
