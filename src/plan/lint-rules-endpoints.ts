import { sansCover } from '../kubespray/certificate-sans.js';
import { LOCAL_PROXY_TYPES, type KsHost } from '../kubespray/cluster.js';
import { splitUrl } from './access-path.js';
import { originOf, type Finding, type LintRule } from './lint-rule.js';

/** Lint rules about where endpoints lead: certificates, single points, dead ends, release-specific traps. */
export const ENDPOINTS_RULES: LintRule[] = [
  {
    id: 'KH040',
    name: 'san-missing',
    severity: 'error',
    why: 'clients verify the API server certificate; an address missing from its SANs fails TLS',
    fix: 'add the address to supplementary_addresses_in_ssl_keys',
    check: (c, p) => {
      const out: Finding[] = [];
      const seen = new Set<string>();
      for (const r of p.access) {
        const u = splitUrl(r.endpoint);
        if (!u || seen.has(u.host)) continue;
        seen.add(u.host);
        if (!sansCover(p.certificateSans, u.host)) {
          out.push({
            message: `${u.host} (${r.component}, ${r.host}) is not in the API server certificate's SANs`,
          });
        }
      }
      return c.controlPlanes.length ? out : [];
    },
  },
  {
    id: 'KH050',
    name: 'single-control-plane-endpoint',
    severity: 'warning',
    why: "a component pointed at one control plane's address loses the API when that control plane is down",
    fix: 'give the component a path to every control plane (each finding says how for its client)',
    check: (c, p) => {
      const groups = new Map<string, { hosts: string[]; fix: string }>();
      const onControlPlane = (host: string) => c.controlPlanes.some((cp) => cp.name === host);
      for (const r of p.access) {
        if (r.path.kind !== 'direct' || c.controlPlanes.length < 2) continue;
        const k = `${r.component} → ${r.endpoint} (${r.path.text})`;
        // The fix depends on the client: only admin.conf on a control plane is a
        // kubeconfig edit (v2.31+ leaves kubeadm's endpoint there).
        const fix =
          /admin/i.test(r.component) && onControlPlane(r.host)
            ? 'point admin.conf on these control planes at https://127.0.0.1:6443 (their local API server) or at the LB yourself: Kubespray v2.31+ no longer rewrites it'
            : r.host === '(outside)'
              ? 'set loadbalancer_apiserver (an external LB or VIP in front of the control planes) so outside clients are not pinned to one'
              : 'keep loadbalancer_apiserver_localhost: true so this host reaches every control plane through its local proxy';
        const g = groups.get(k) ?? { hosts: [], fix };
        g.hosts.push(r.host);
        groups.set(k, g);
      }
      return [...groups].map(([k, g]) => ({
        message: `${k} on ${g.hosts.join(', ')}`,
        fix: g.fix,
      }));
    },
  },
  {
    id: 'KH051',
    name: 'unreachable-endpoint',
    severity: 'error',
    why: 'the endpoint Kubespray writes leads nowhere from that host',
    fix: 'see the related rule (KH020, KH021) or set apiserver_loadbalancer_domain_name to a name that resolves',
    check: (_c, p) => {
      const groups = new Map<string, string[]>();
      for (const r of p.access) {
        if (r.path.kind !== 'nothing-listens' && r.path.kind !== 'unresolved') continue;
        const k = `${r.component} → ${r.endpoint}: ${r.path.text.replace(/ on [^ ]+$/, '')}`;
        groups.set(k, [...(groups.get(k) ?? []), r.host]);
      }
      return [...groups].map(([k, hosts]) => ({ message: `${k} (${hosts.join(', ')})` }));
    },
  },
  {
    id: 'KH060',
    name: 'nginx-rlimit',
    severity: 'warning',
    why: 'nginx.conf sets worker_rlimit_nofile 130048 but containerd limits RLIMIT_NOFILE to 65535: setrlimit fails (Kubespray #13253; fixed by PR #13255 after v2.31)',
    fix: 'set containerd_default_base_runtime_spec_patch: {process: {rlimits: []}} or use --proxy kubeha',
    check: (c) => {
      if (c.era.nginxRlimitNofile <= 65535) return [];
      // The usual fix: containerd's base spec patched so pods inherit the OS limit.
      const hosts = c.hosts.filter((h) => h.localProxy === 'nginx' && !rlimitsCleared(h));
      return hosts.length
        ? [
            {
              message: `${c.era.label} writes worker_rlimit_nofile ${c.era.nginxRlimitNofile} into nginx.conf on ${hosts.map((h) => h.name).join(', ')}`,
            },
          ]
        : [];
    },
  },
  {
    id: 'KH061',
    name: 'haproxy-ipv6-bind',
    severity: 'error',
    why: 'up to v2.29 haproxy.cfg.j2 writes `bind [::1]:PORT;` with ipv6_stack; the HAProxy in Kubespray\'s image refuses the trailing ";" and the local proxy does not start (Kubespray #12793, fixed by PR #12862 in v2.30)',
    fix: 'use Kubespray v2.30+, or loadbalancer_apiserver_type: nginx, or --proxy kubeha',
    check: (c) =>
      c.era.haproxyIpv6BindSemicolon &&
      c.hosts.some((h) => h.localProxy === 'haproxy' && h.ipv6Stack)
        ? [
            {
              message: `${c.era.label} writes "bind [::1]:PORT;" into haproxy.cfg on dual-stack hosts`,
            },
          ]
        : [],
  },
  {
    id: 'KH070',
    name: 'unknown-proxy-type',
    severity: 'error',
    why: "roles/kubernetes/node deploys a local proxy only for loadbalancer_apiserver_type nginx or haproxy; kubeha is deployed by kubeha's playbook (KH071); any other value leaves workers pointed at a localhost port nothing listens on",
    fix: 'set loadbalancer_apiserver_type to nginx, haproxy or kubeha',
    check: (c) => {
      const h = c.hosts.find(
        (x) =>
          x.inCluster &&
          x.localLb &&
          !(LOCAL_PROXY_TYPES as readonly string[]).includes(x.proxyType),
      );
      return h
        ? [
            {
              ...originOf(h, 'loadbalancer_apiserver_type'),
              message: `loadbalancer_apiserver_type is "${h.proxyType}": no local proxy is deployed`,
            },
          ]
        : [];
    },
  },
];

/** containerd_default_base_runtime_spec_patch: {process: {rlimits: []}} removes containerd's 65535 cap. */
function rlimitsCleared(h: KsHost): boolean {
  const patch = h.scope.get('containerd_default_base_runtime_spec_patch');
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return false;
  const proc = (patch as Record<string, unknown>).process;
  if (typeof proc !== 'object' || proc === null) return false;
  const rl = (proc as Record<string, unknown>).rlimits;
  return Array.isArray(rl) && rl.length === 0;
}
