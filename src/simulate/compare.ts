/**
 * `kubeha compare`: the usual three comparison tables (access paths, operating
 * characteristics, path per client), every cell computed from the column's plan
 * and failure model. Where the result differs from the pattern as usually
 * described (described-patterns.ts), the cell carries both.
 */
import type { Column, ColumnId } from './compare-columns.js';
import {
  changeAreas,
  describedKindMatches,
  failure,
  lbNeeded,
  outsideClient,
  pathSummary,
  pathsOf,
  sameAreas,
  summarize,
  watchMove,
  workerClient,
  workerImpact,
  workerSpofs,
} from './compare-measures.js';
import { DESCRIBED } from './described-patterns.js';
import { simulate } from './evaluate.js';
import type { SimClient, SimModel } from './model.js';

export interface Cell {
  value: string;
  /** the pattern as usually described, when the computed value differs from it */
  described?: string;
}

export interface CompareRow {
  id: string;
  label: string;
  cells: Record<ColumnId, Cell>;
}

export interface CompareTable {
  id: 'access-paths' | 'operations' | 'clients';
  title: string;
  rows: CompareRow[];
}

type RowFn = (col: Column) => Cell;

function row(columns: Column[], id: string, label: string, fn: RowFn): CompareRow {
  return {
    id,
    label,
    cells: Object.fromEntries(columns.map((c) => [c.id, fn(c)])) as Record<ColumnId, Cell>,
  };
}

const cell = (value: string, described: string, same: boolean): Cell =>
  same ? { value } : { value, described };

/** A client's path against the described one: same kind of path, to every server. */
function pathRow(
  columns: Column[],
  id: string,
  label: string,
  pick: (m: SimModel) => SimClient | undefined,
  key: 'workerPath' | 'outsidePath',
): CompareRow {
  return row(columns, id, label, (c) => {
    const client = pick(c.model);
    const described = DESCRIBED[c.pattern][key];
    return cell(
      pathSummary(c.model, client),
      described.text,
      describedKindMatches(c.model, client, described.kind),
    );
  });
}

export function compareTables(columns: Column[]): CompareTable[] {
  const d = (c: Column) => DESCRIBED[c.pattern];
  const access: CompareRow[] = [
    pathRow(columns, 'worker-path', 'Worker nodes → API server', workerClient, 'workerPath'),
    pathRow(
      columns,
      'outside-path',
      'Outside clients (kubectl, CI) → API server',
      outsideClient,
      'outsidePath',
    ),
    row(columns, 'worker-kubeconfig', 'Worker kubeconfig server', (c) => {
      const w = workerClient(c.model);
      const holds = w?.path.kind === 'external-lb' ? 'the LB' : 'one address';
      const value = w
        ? `${w.endpoint}${w.path.kind === 'local-proxy' ? ` (the local proxy's config holds the ${w.targets.length} servers)` : ''}`
        : 'no workers';
      return cell(value, d(c).workerKubeconfig.text, holds === d(c).workerKubeconfig.holds);
    }),
    row(columns, 'outside-kubeconfig', 'Outside kubeconfig server', (c) => {
      const o = outsideClient(c.model);
      const lb = o?.path.kind === 'external-lb';
      return cell(
        o?.endpoint ?? 'none',
        d(c).outsideKubeconfig.text,
        (lb ? 'the LB' : 'one server') === d(c).outsideKubeconfig.holds,
      );
    }),
  ];
  const first = (c: Column) => c.model.controlPlanes[0] ?? '(none)';
  const ops: CompareRow[] = [
    row(columns, 'lb-failure-workers', 'Worker impact when the external LB fails', (c) => {
      const f = failure(c.model, 'external-lb');
      const w = f
        ? workerImpact(c.model, [f])
        : { text: 'none: there is no external LB', share: 0 };
      const impact = w.share === 0 ? 'none' : w.share === 1 ? 'total' : 'partial';
      return cell(w.text, d(c).lbFailureWorkers.text, impact === d(c).lbFailureWorkers.impact);
    }),
    row(columns, 'lb-failure-all', 'Clients that lose the API when the external LB fails', (c) => {
      const f = failure(c.model, 'external-lb');
      if (!f) return { value: 'none: there is no external LB' };
      const lost = simulate(c.model, [f]).clients.filter((x) => x.status === 'lost');
      return { value: `${lost.length} of ${c.model.clients.length}: ${summarize(lost)}` };
    }),
    row(
      columns,
      'cp-host-failure',
      'Worker impact when a control-plane host fails (the first)',
      (c) => ({ value: workerImpact(c.model, [failure(c.model, first(c))!].filter(Boolean)).text }),
    ),
    row(
      columns,
      'unready-failure',
      'Worker impact when one API server turns unready (the first)',
      (c) => {
        const f = failure(c.model, `unready:${first(c)}`);
        return { value: f ? workerImpact(c.model, [f]).text : 'n/a' };
      },
    ),
    row(columns, 'proxy-failure', "A worker's local proxy fails", (c) => {
      const w = workerClient(c.model);
      const f = w && failure(c.model, `proxy:${w.host}`);
      if (!f) return { value: 'n/a: workers have no local proxy' };
      const lost = simulate(c.model, [f]).clients.filter((x) => x.host === w.host && !x.reachable);
      return { value: `${w.host} loses the API (${lost.map((x) => x.component).join(', ')})` };
    }),
    row(columns, 'quorum', 'etcd loses quorum (a majority of members down)', (c) => {
      const members = c.model.etcdMembers;
      const down = members
        .slice(0, Math.floor(members.length / 2) + 1)
        .map((n) => failure(c.model, `etcd:${n}`)!);
      if (members.length === 0) return { value: 'n/a: no etcd group' };
      const ok = simulate(c.model, down).clients.filter((x) => x.reachable).length;
      return { value: ok === 0 ? 'every client loses the API' : `${ok} client(s) keep the API` };
    }),
    row(columns, 'lb-needed', 'External LB needed', (c) => {
      const n = lbNeeded(c.model);
      return cell(n.text, d(c).lbNeeded.text, n.who === d(c).lbNeeded.who);
    }),
    row(columns, 'add-control-plane', 'Adding a control plane changes', (c) => {
      const a = changeAreas(c.added);
      return cell(
        a.text,
        d(c).controlPlaneChange.text,
        sameAreas(a.areas, d(c).controlPlaneChange.areas),
      );
    }),
    row(columns, 'remove-control-plane', 'Removing a control plane changes (the last)', (c) => {
      if (!c.removed) return { value: 'n/a: only one control plane' };
      const a = changeAreas(c.removed);
      const stale = c.removed.untilRerendered.filter((t) => !t.startsWith("Kubespray's"));
      const value = `${a.text}${stale.length ? `. Until re-rendered: ${stale.join('; ')}` : ''}`;
      return cell(
        value,
        d(c).controlPlaneChange.text,
        sameAreas(a.areas, d(c).controlPlaneChange.areas),
      );
    }),
    row(columns, 'watch-unready', 'Time to move a worker watch off an unready API server', (c) => ({
      value: watchMove(c.model, 'unready'),
    })),
    row(
      columns,
      'watch-host-down',
      'Time to move a worker watch off a server whose host died',
      (c) => ({ value: watchMove(c.model, 'silent') }),
    ),
    row(
      columns,
      'worker-spofs',
      'Single failures that cost a worker the API (besides its own host or proxy)',
      (c) => ({ value: workerSpofs(c.model) }),
    ),
  ];
  const clients: CompareRow[] = [
    ['outside', 'kubectl', 'kubectl (developer)'],
    ['outside', 'ci', 'CI system'],
    ['worker', 'kubelet', 'worker kubelet'],
    ['worker', 'kube-proxy', 'worker kube-proxy'],
    ['worker', 'cni', 'worker CNI'],
    ['control-plane', 'kubelet', 'control-plane kubelet'],
    ['control-plane', 'kube-controller-manager', 'kube-controller-manager'],
    ['control-plane', 'admin-kubeconfig', 'admin.conf on the control planes'],
  ].map(([role, component, label]) =>
    row(columns, `${role}-${component}`, label!, (c) => {
      const value = pathsOf(c.model, role!, component!);
      const described =
        role === 'outside'
          ? d(c).outsidePath
          : role === 'worker' && component !== 'cni'
            ? d(c).workerPath
            : undefined;
      if (!described) return { value };
      const any = c.model.clients.filter((x) => x.role === role && x.component === component);
      return cell(
        value,
        described.text,
        any.every((x) => describedKindMatches(c.model, x, described.kind)),
      );
    }),
  );
  return [
    { id: 'access-paths', title: 'Access paths', rows: access },
    { id: 'operations', title: 'Operating characteristics', rows: ops },
    { id: 'clients', title: 'Path per client', rows: clients },
  ];
}
