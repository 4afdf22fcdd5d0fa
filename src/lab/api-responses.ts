/**
 * What the lab API server says, kept apart from the sockets: health-check bodies
 * in kube-apiserver's format and the few API objects the tests read or watch.
 */

/** Checks kube-apiserver lists under /livez and /healthz (a subset, same names). */
export const LIVE_CHECKS = [
  'ping',
  'log',
  'etcd',
  'poststarthook/start-apiserver-admission-initializer',
];
/** /readyz adds the checks that go red while the server starts up or shuts down. */
export const READY_CHECKS = [...LIVE_CHECKS, 'etcd-readiness', 'informer-sync', 'shutdown'];

export interface HealthAnswer {
  status: number;
  body: string;
}

/**
 * Mirrors k8s.io/apiserver/pkg/server/healthz: "ok" when every check passes,
 * otherwise 500 with one `[+]name ok` / `[-]name failed: reason withheld` line per
 * check and a trailing "<endpoint> check failed". `?verbose` lists checks on
 * success too; `?exclude=NAME` drops a check.
 */
export function healthAnswer(
  endpoint: 'livez' | 'readyz' | 'healthz',
  failing: ReadonlySet<string>,
  query: URLSearchParams,
): HealthAnswer {
  const excluded = new Set(query.getAll('exclude'));
  const checks = (endpoint === 'readyz' ? READY_CHECKS : LIVE_CHECKS).filter(
    (c) => !excluded.has(c),
  );
  const failed = checks.filter((c) => failing.has(c));
  const verbose = query.has('verbose');
  if (failed.length === 0 && !verbose) return { status: 200, body: 'ok' };
  const lines = checks.map((c) =>
    failing.has(c) ? `[-]${c} failed: reason withheld` : `[+]${c} ok`,
  );
  for (const c of excluded) lines.push(`warn: some health checks cannot be excluded: ${c}`);
  lines.push(`${endpoint} check ${failed.length === 0 ? 'passed' : 'failed'}`);
  return { status: failed.length === 0 ? 200 : 500, body: `${lines.join('\n')}\n` };
}

export function versionInfo(): object {
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.0-kubeha-lab',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export interface EndpointAddress {
  ip: string;
  port: number;
}

/**
 * The `default/kubernetes` Endpoints object: the API servers' addresses, one subset
 * per port. kube-apiserver labels it skip-mirror because it writes the matching
 * EndpointSlice itself (endpoint-reconciler.ts).
 */
export function kubernetesEndpoints(addresses: readonly EndpointAddress[]): object {
  const ports = [...new Set(addresses.map((a) => a.port))];
  return {
    kind: 'Endpoints',
    apiVersion: 'v1',
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
    },
    subsets: ports.map((port) => ({
      addresses: addresses.filter((a) => a.port === port).map((a) => ({ ip: a.ip })),
      ports: [{ name: 'https', port, protocol: 'TCP' }],
    })),
  };
}

/** A metav1.Status, the body of every API error. */
export function status(code: number, reason: string, message: string): object {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
}
