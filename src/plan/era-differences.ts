import { resolveKubesprayVersion, type KubesprayEra } from '../kubespray/versions.js';
import type { EraView } from './build-plan.js';
import type { AccessRow, Plan } from './plan-types.js';

/**
 * What changes for this inventory under the other modelled Kubespray releases:
 * the pattern, endpoints in the access table (folded across hosts and
 * components), and proxy details, each with the Kubespray change behind it
 * (src/kubespray/versions.ts has the history).
 */
export function eraDifferences(plan: Plan, others: EraView[]): string[] {
  const out: string[] = [];
  const mine = resolveKubesprayVersion(plan.kubespray.version);
  const key = (r: AccessRow) => `${r.host}|${r.component}`;
  const rows = new Map(plan.access.map((r) => [key(r), r]));
  for (const other of others) {
    const era = resolveKubesprayVersion(other.kubespray.version);
    const v = other.kubespray.label;
    const before = out.length;
    if (other.pattern.id !== plan.pattern.id) {
      out.push(`${v}: ${other.pattern.name} instead of ${plan.pattern.name}`);
    }
    // fold: same old endpoint, same new path → one line listing components and hosts
    const folded = new Map<string, { comps: Set<string>; hosts: Set<string>; news: Set<string> }>();
    for (const r of other.access) {
      const m = rows.get(key(r));
      if (!m || (m.endpoint === r.endpoint && m.path.kind === r.path.kind)) continue;
      const samePath =
        m.path.kind === r.path.kind && m.path.targets.join() === r.path.targets.join();
      const k = `${m.endpoint}|${samePath ? `same:${r.path.kind}` : `${r.endpoint}|${r.path.text}`}`;
      const f = folded.get(k) ?? { comps: new Set(), hosts: new Set(), news: new Set() };
      f.comps.add(r.component);
      f.hosts.add(r.host);
      f.news.add(r.endpoint);
      folded.set(k, f);
    }
    for (const [k, f] of folded) {
      const [old, rest, text] = k.split('|');
      const where = `${[...f.comps].join(', ')} on ${[...f.hosts].join(', ')}`;
      if (rest!.startsWith('same:')) {
        const to =
          f.news.size === 1 ? [...f.news][0] : "each node's own address (https://{main_ip}:port)";
        out.push(
          `${v}: ${where}: ${to} instead of ${old} (still ${rest!.slice(5).replace('-', ' ')})`,
        );
      } else out.push(`${v}: ${where}: ${rest} (${text}) instead of ${old}`);
    }
    if (
      plan.hosts.some((h) => h.localProxy?.type === 'nginx') &&
      era.nginxRlimitNofile !== mine.nginxRlimitNofile
    ) {
      out.push(
        `${v}: nginx.conf worker_rlimit_nofile ${era.nginxRlimitNofile} instead of ${mine.nginxRlimitNofile}`,
      );
    }
    if (out.length > before) out.push(...why(mine, era).map((w) => `${v}:   why: ${w}`));
  }
  return out;
}

function why(mine: KubesprayEra, other: KubesprayEra): string[] {
  const out: string[] = [];
  if (mine.fixApiserverRewrite !== other.fixApiserverRewrite) {
    out.push(
      other.fixApiserverRewrite
        ? "control-plane/tasks/kubeadm-fix-apiserver.yml rewrites control planes' admin.conf, controller-manager.conf, kubelet.conf and scheduler.conf to kube_apiserver_endpoint"
        : "PR #12870 removed kubeadm-fix-apiserver.yml: kubeadm's own endpoints stand (controlPlaneEndpoint for admin.conf, the local API endpoint for kcm/scheduler and joined control planes' kubelet)",
    );
  }
  if (mine.domainDefault !== other.domainDefault) {
    out.push(
      other.domainDefault === 'legacy'
        ? 'apiserver_loadbalancer_domain_name defaults to lb-apiserver.kubernetes.local'
        : "apiserver_loadbalancer_domain_name defaults to 'localhost' with the local LB, else the LB address (commit 6b5cc5bdf)",
    );
  }
  if (mine.nginxRlimitNofile !== other.nginxRlimitNofile) {
    out.push('nginx worker_rlimit_nofile aligned with containerd (PR #13255)');
  }
  return out;
}
