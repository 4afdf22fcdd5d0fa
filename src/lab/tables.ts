/**
 * Server-side printing: the `meta.k8s.io/v1` Table kube-apiserver returns when a
 * client's Accept asks for `as=Table` (kubectl get does), with the columns of
 * kubernetes/pkg/printers/internalversion/printers.go for the kinds the lab serves.
 * Columns of priority 1 are the ones `-o wide` adds.
 */
import { acceptedVersion } from './accept.js';
import type { LabObject } from './selectors.js';

interface Column {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

type Cell = string | number;
type Printer = { columns: Column[]; row: (o: Any, now: number) => Cell[] };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const col = (name: string, description: string, priority = 0, type = 'string'): Column => ({
  name,
  type,
  format: name === 'Name' ? 'name' : '',
  description,
  priority,
});
const NAME = col('Name', 'Name must be unique within a namespace.');
const AGE = col(
  'Age',
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);
const age = (o: Any, now: number) => humanDuration(now - Date.parse(o.metadata.creationTimestamp));
const none = (v: string | undefined) => (v === undefined || v === '' ? '<none>' : v);

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (h < 192) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${d}d`;
  const y = Math.floor(d / 365);
  if (h < 24 * 365 * 8) return d % 365 === 0 ? `${y}y` : `${y}y${d % 365}d`;
  return `${y}y`;
}

/** "a:1,b:1,c:1 + 2 more...", as printers.go formats endpoint lists. */
function firstThree(items: string[]): string {
  if (items.length === 0) return '<none>';
  const more = items.length > 3 ? ` + ${items.length - 3} more...` : '';
  return items.slice(0, 3).join(',') + more;
}

const PRINTERS: Record<string, Printer> = {
  Pod: {
    columns: [
      NAME,
      col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'The aggregate status of the containers in this pod.'),
      col(
        'Restarts',
        'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
      ),
      AGE,
      col(
        'IP',
        'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
        1,
      ),
      col('Node', 'NodeName is a request to schedule this pod onto a specific node.', 1),
      col(
        'Nominated Node',
        'nominatedNodeName is set only when this pod preempts other pods on the node.',
        1,
      ),
      col(
        'Readiness Gates',
        'If specified, all readiness gates will be evaluated for pod readiness.',
        1,
      ),
    ],
    row: (o, now) => {
      const cs: Any[] = o.status?.containerStatuses ?? [];
      const ready = cs.filter((c) => c.ready).length;
      const restarts = cs.reduce((n, c) => n + (c.restartCount ?? 0), 0);
      return [
        o.metadata.name,
        `${ready}/${o.spec?.containers?.length ?? cs.length}`,
        o.status?.phase ?? 'Unknown',
        String(restarts),
        age(o, now),
        none(o.status?.podIP),
        none(o.spec?.nodeName),
        '<none>',
        '<none>',
      ];
    },
  },
  Node: {
    columns: [
      NAME,
      col('Status', 'The status of the node'),
      col('Roles', 'The roles of the node'),
      AGE,
      col('Version', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'List of internal IPs.', 1),
      col('External-IP', 'List of external IPs.', 1),
      col(
        'OS-Image',
        'OS image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
        1,
      ),
      col(
        'Kernel-Version',
        "Kernel version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
        1,
      ),
      col(
        'Container-Runtime',
        'Container runtime version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
        1,
      ),
    ],
    row: (o, now) => {
      const ready = (o.status?.conditions ?? []).find((c: Any) => c.type === 'Ready');
      const roles = Object.keys(o.metadata.labels ?? {})
        .filter((l) => l.startsWith('node-role.kubernetes.io/'))
        .map((l) => l.slice('node-role.kubernetes.io/'.length))
        .sort();
      const addr = (t: string) =>
        none((o.status?.addresses ?? []).find((a: Any) => a.type === t)?.address);
      const info = o.status?.nodeInfo ?? {};
      return [
        o.metadata.name,
        ready?.status === 'True' ? 'Ready' : 'NotReady',
        roles.length ? roles.join(',') : '<none>',
        age(o, now),
        info.kubeletVersion ?? '',
        addr('InternalIP'),
        addr('ExternalIP'),
        info.osImage ?? '',
        info.kernelVersion ?? '',
        info.containerRuntimeVersion ?? '',
      ];
    },
  },
  Lease: {
    columns: [NAME, col('Holder', 'The holder identity of the lease.'), AGE],
    row: (o, now) => [o.metadata.name, o.spec?.holderIdentity ?? '', age(o, now)],
  },
  Endpoints: {
    columns: [NAME, col('Endpoints', 'Endpoints of the service.'), AGE],
    row: (o, now) => {
      const eps = (o.subsets ?? []).flatMap((s: Any) =>
        (s.addresses ?? []).flatMap((a: Any) =>
          (s.ports ?? []).map((p: Any) => `${a.ip}:${p.port}`),
        ),
      );
      return [o.metadata.name, firstThree(eps), age(o, now)];
    },
  },
  EndpointSlice: {
    columns: [
      NAME,
      col('AddressType', 'The type of address held in this EndpointSlice.'),
      col('Ports', 'The ports of this EndpointSlice.'),
      col('Endpoints', 'The endpoints of this EndpointSlice.'),
      AGE,
    ],
    row: (o, now) => [
      o.metadata.name,
      o.addressType,
      (o.ports ?? []).map((p: Any) => String(p.port)).join(',') || '<unset>',
      firstThree((o.endpoints ?? []).flatMap((e: Any) => e.addresses)),
      age(o, now),
    ],
  },
  ConfigMap: {
    columns: [NAME, col('Data', 'Number of data entries.', 0, 'integer'), AGE],
    row: (o, now) => [o.metadata.name, Object.keys(o.data ?? {}).length, age(o, now)],
  },
  Namespace: {
    columns: [NAME, col('Status', 'The status of the namespace'), AGE],
    row: (o, now) => [o.metadata.name, o.status?.phase ?? '', age(o, now)],
  },
};

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Whether an Accept header asks for a Table (and which meta.k8s.io version). */
export function tableVersion(accept: string | undefined): 'v1' | 'v1beta1' | null {
  return acceptedVersion(accept, 'Table', 'meta.k8s.io', ['v1', 'v1beta1']);
}

/** A Table of `objects` of `kind`; `withColumns: false` leaves the definitions out (later watch events). */
export function toTable(
  kind: string,
  objects: readonly LabObject[],
  opts: {
    version: 'v1' | 'v1beta1';
    include: IncludeObject;
    resourceVersion?: string;
    withColumns?: boolean;
  },
): object {
  const printer = PRINTERS[kind]!;
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${opts.version}`,
    metadata: opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {},
    columnDefinitions: opts.withColumns === false ? null : printer.columns,
    rows: objects.map((o) => ({
      cells: printer.row(o, now),
      ...(opts.include === 'None'
        ? {}
        : {
            object:
              opts.include === 'Object'
                ? o
                : {
                    kind: 'PartialObjectMetadata',
                    apiVersion: 'meta.k8s.io/v1',
                    metadata: o.metadata,
                  },
          }),
    })),
  };
}
