import type { KsCluster } from '../kubespray/cluster.js';
import { KUBESPRAY_ERAS, type KubesprayEra } from '../kubespray/versions.js';
import type { EraView } from './build-plan.js';
import type { AccessRow, EraChange, Plan } from './plan-types.js';

/**
 * What changes for this inventory under the other modelled Kubespray releases:
 * the pattern, endpoints in the access table, and proxy details, each with the
 * Kubespray change behind it (src/kubespray/versions.ts has the history).
 *
 * A change names its causes only when a row depends on them: with several era
 * flags differing, each flag is tried alone on this release (`viewOf` a hybrid
 * era) and is a cause of exactly the rows it changes by itself.
 */
export function eraChanges(
  plan: Plan,
  cluster: KsCluster,
  mine: KubesprayEra,
  viewOf: (era: KubesprayEra) => EraView,
): EraChange[] {
  const out: EraChange[] = [];
  for (const other of KUBESPRAY_ERAS.filter((e) => e.id !== mine.id)) {
    const view = viewOf(other);
    const rows = changedRows(plan, view);
    const flags = ACCESS_FLAGS.filter((f) => other[f] !== mine[f] && MATTERS[f](cluster));
    // key → the flags that change that row alone ('' = the pattern)
    const causes = new Map<string, Array<keyof KubesprayEra>>();
    const patternChanged = view.pattern.id !== plan.pattern.id;
    if (flags.length === 1) {
      for (const k of [...rows.keys(), '']) causes.set(k, flags);
    } else {
      for (const f of flags) {
        // its own id: values cached per era (host-scope.ts) must not be shared with mine
        const alone = viewOf({ ...mine, [f]: other[f], id: `${mine.id}+${f}` });
        const changed = new Set(changedRows(plan, alone).keys());
        if (alone.pattern.id !== plan.pattern.id) changed.add('');
        for (const k of changed) causes.set(k, [...(causes.get(k) ?? []), f]);
      }
    }
    const whyOf = (keys: string[]) => {
      const fs = new Set(keys.flatMap((k) => causes.get(k) ?? flags));
      return flags.filter((f) => fs.has(f)).map((f) => WHY[f](other));
    };
    const release = releaseName(other);
    if (patternChanged) {
      out.push({
        release,
        hosts: [],
        change: `${view.pattern.name} instead of ${plan.pattern.name}`,
        detail: [],
        why: whyOf(['']),
      });
    }
    // one change per host group: hosts whose rows change the same way
    const byHost = new Map<string, Array<{ key: string; old: AccessRow; now: AccessRow }>>();
    for (const r of rows.values()) byHost.set(r.now.host, [...(byHost.get(r.now.host) ?? []), r]);
    const groups = new Map<string, { hosts: string[]; keys: string[]; detail: string[] }>();
    for (const [host, rs] of byHost) {
      const text = summarize(rs.map((r) => r.now));
      const g = groups.get(text) ?? { hosts: [], keys: [], detail: [] };
      g.hosts.push(host);
      g.keys.push(...rs.map((r) => r.key));
      for (const r of rs) {
        g.detail.push(
          `${r.now.component} on ${host}: ${r.now.endpoint} (${r.now.path.text}) instead of ${r.old.endpoint} (${r.old.path.text})`,
        );
      }
      groups.set(text, g);
    }
    for (const [text, g] of groups) {
      out.push({ release, hosts: g.hosts, change: text, detail: g.detail, why: whyOf(g.keys) });
    }
    if (
      plan.hosts.some((h) => h.localProxy?.type === 'nginx') &&
      other.nginxRlimitNofile !== mine.nginxRlimitNofile
    ) {
      out.push({
        release,
        hosts: [],
        change: `nginx.conf worker_rlimit_nofile ${other.nginxRlimitNofile} instead of ${mine.nginxRlimitNofile}`,
        detail: [],
        why: ['nginx worker_rlimit_nofile aligned with containerd (PR #13255)'],
      });
    }
  }
  return out;
}

/** The full text lines of `plan.eraDifferences`: every row, old and new, and why. */
export function eraDifferenceLines(changes: EraChange[]): string[] {
  const out: string[] = [];
  for (const c of changes) {
    const lines = c.detail.length > 0 ? c.detail : [c.change];
    out.push(...lines.map((l) => `${c.release}: ${l}`));
    out.push(...c.why.map((w) => `${c.release}:   why: ${w}`));
  }
  return out;
}

/** "v2.29", "main": the name a release goes by in the compact section. */
export function releaseName(era: KubesprayEra): string {
  return era.id === '2.32' ? 'main' : `v${era.id}`;
}

const key = (r: AccessRow) => `${r.host}|${r.component}`;

function changedRows(plan: Plan, view: EraView) {
  const mine = new Map(plan.access.map((r) => [key(r), r]));
  const out = new Map<string, { key: string; old: AccessRow; now: AccessRow }>();
  for (const r of view.access) {
    const m = mine.get(key(r));
    if (!m || (m.endpoint === r.endpoint && m.path.text === r.path.text)) continue;
    out.set(key(r), { key: key(r), old: m, now: r });
  }
  return out;
}

/** "kubelet, kube-scheduler → https://127.0.0.1:6443 (local API server)", one part per endpoint. */
function summarize(rows: AccessRow[]): string {
  const byTarget = new Map<string, string[]>();
  for (const r of rows) {
    const t = `${r.endpoint} (${r.path.kind === 'local-apiserver' ? 'local API server' : r.path.text})`;
    byTarget.set(t, [...(byTarget.get(t) ?? []), r.component]);
  }
  return [...byTarget].map(([t, comps]) => `${comps.join(', ')} → ${t}`).join('; ');
}

/**
 * Whether a flag can change anything for this cluster at all (each hybrid view
 * costs a whole cluster build, seconds at 5,000 hosts): the LB domain name and
 * /etc/hosts only matter with loadbalancer_apiserver, bracketing only for an IPv6
 * name, the global endpoint's port rule only with a local LB on another port.
 */
const MATTERS: Record<(typeof ACCESS_FLAGS)[number], (c: KsCluster) => boolean> = {
  fixApiserverRewrite: () => true,
  domainDefault: (c) => c.hosts.some((h) => h.lb !== undefined),
  etcHostsLbEntry: (c) => c.hosts.some((h) => h.lb !== undefined),
  lbDomainIpwrap: (c) =>
    c.hosts.some((h) => h.lb !== undefined && (h.domainName ?? '').includes(':')),
  globalLocalhostSamePortOnly: (c) =>
    c.hosts.some((h) => h.localLb && h.localLbPort !== h.apiserverPort),
};

/** Era flags that change endpoints or paths (nginx's rlimit is reported on its own). */
const ACCESS_FLAGS = [
  'fixApiserverRewrite',
  'domainDefault',
  'lbDomainIpwrap',
  'globalLocalhostSamePortOnly',
  'etcHostsLbEntry',
] as const satisfies ReadonlyArray<keyof KubesprayEra>;

const WHY: Record<(typeof ACCESS_FLAGS)[number], (other: KubesprayEra) => string> = {
  fixApiserverRewrite: (o) =>
    o.fixApiserverRewrite
      ? "control-plane/tasks/kubeadm-fix-apiserver.yml rewrites control planes' admin.conf, controller-manager.conf, kubelet.conf and scheduler.conf to kube_apiserver_endpoint"
      : "PR #12870 removed kubeadm-fix-apiserver.yml: kubeadm's own endpoints stand (controlPlaneEndpoint for admin.conf, the local API endpoint for kcm/scheduler and joined control planes' kubelet)",
  domainDefault: (o) =>
    o.domainDefault === 'legacy'
      ? 'apiserver_loadbalancer_domain_name defaults to lb-apiserver.kubernetes.local'
      : "apiserver_loadbalancer_domain_name defaults to 'localhost' with the local LB, else the LB address (commit 6b5cc5bdf)",
  lbDomainIpwrap: (o) =>
    o.lbDomainIpwrap
      ? 'the LB endpoints wrap an IPv6 apiserver_loadbalancer_domain_name in brackets (commit 6b5cc5bdf)'
      : 'the LB endpoints use apiserver_loadbalancer_domain_name unwrapped, so an IPv6 address is not bracketed',
  globalLocalhostSamePortOnly: (o) =>
    o.globalLocalhostSamePortOnly
      ? 'kube_apiserver_global_endpoint is https://localhost:kube_apiserver_port only when loadbalancer_apiserver_port is unset or equal, else the first control plane'
      : 'kube_apiserver_global_endpoint is https://localhost:loadbalancer_apiserver_port with the local LB (PR #12598)',
  etcHostsLbEntry: (o) =>
    o.etcHostsLbEntry
      ? 'roles/kubernetes/preinstall writes "<loadbalancer_apiserver.address> <apiserver_loadbalancer_domain_name>" into /etc/hosts'
      : 'PR #12382 stopped writing the LB name into /etc/hosts',
};
