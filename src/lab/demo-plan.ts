/**
 * The demo's cluster, from the planner: the bundled example (three control
 * planes, k8s-node4 a worker behind a node-local proxy) planned with
 * `loadbalancer_apiserver_type=kubeha`, and k8s-node4's proxy.yaml as kubeha's
 * playbook would install it, moved onto loopback (the lab's 127.0.10.11-13 for
 * 192.168.10.11-13, free ports, files in the demo's directory). Pure apart from
 * reading the inventory.
 */
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { planFromSources, type Plan, type PlanHost } from '../plan/index.js';
import { renderKubehaProxy } from '../render/kubeha-proxy.js';
import { KubehaError } from '../shared/errors.js';

/** The bundled example, as the README names it. */
export const DEMO_INVENTORY_NAME = 'examples/mycluster/inventory.ini';
export const DEMO_INVENTORY = fileURLToPath(
  new URL(`../../../${DEMO_INVENTORY_NAME}`, import.meta.url),
);
/** The worker whose node-local proxy the demo runs. */
export const DEMO_NODE = 'k8s-node4';

export interface DemoUpstream {
  /** Inventory host name (k8s-node1). */
  node: string;
  /** Where the plan sends k8s-node4's proxy (192.168.10.11:6443). */
  planned: string;
}

export interface DemoPlan {
  plan: Plan;
  host: PlanHost;
  upstreams: DemoUpstream[];
  /** proxy.yaml as rendered for the host, before it is moved onto loopback. */
  renderedConfig: string;
}

export async function planDemo(inventory = DEMO_INVENTORY): Promise<DemoPlan> {
  const plan = await planFromSources([inventory], {
    extraVars: ['loadbalancer_apiserver_type=kubeha'],
    compareEras: false,
  });
  const host = plan.hosts.find((h) => h.name === DEMO_NODE);
  const proxy = host?.localProxy;
  if (!host || !proxy || proxy.type !== 'kubeha') {
    throw new KubehaError(
      'E_DEMO_PLAN',
      `${inventory}: the plan gives ${DEMO_NODE} no kubeha node-local proxy`,
    );
  }
  const rendered = renderKubehaProxy(host, proxy, proxy.settings.kubeha.image, '(kubeha demo)');
  return {
    plan,
    host,
    upstreams: proxy.upstreams.map((u) => ({ node: u.host, planned: `${u.address}:${u.port}` })),
    renderedConfig: rendered.config,
  };
}

export interface LoopbackPlacement {
  listen: string;
  admin: string;
  /** Lab server address per planned upstream, in the plan's order. */
  upstreams: string[];
  caFile: string;
  /** The kubelet's client certificate and key in one PEM, as kubelet-client-current.pem. */
  clientPem: string;
}

/**
 * The rendered proxy.yaml with only the addresses and file paths changed: checks,
 * timeouts, algorithm and discovery stay as the playbook installs them.
 */
export function loopbackProxyConfig(rendered: string, at: LoopbackPlacement): string {
  const cfg = parse(rendered) as Record<string, unknown> & {
    upstreams: string[];
    healthCheck: Record<string, unknown>;
  };
  if (cfg.upstreams.length !== at.upstreams.length) {
    throw new KubehaError(
      'E_DEMO_PLAN',
      `the plan names ${cfg.upstreams.length} API servers, the lab runs ${at.upstreams.length}`,
    );
  }
  return stringify({
    ...cfg,
    listen: [at.listen],
    admin: at.admin,
    // nothing to take over from: a taken port is an error at once
    bindRetry: '0s',
    upstreams: at.upstreams,
    healthCheck: {
      ...cfg.healthCheck,
      caFile: at.caFile,
      certFile: at.clientPem,
      keyFile: at.clientPem,
    },
  });
}
