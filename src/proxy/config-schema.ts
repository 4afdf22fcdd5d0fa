/**
 * The proxy's configuration schema (zod 4). The YAML file, the flags and the
 * published JSON Schema (schema/proxy-config.schema.json) all come from here.
 * Defaults mirror what Kubespray's nginx-proxy does where it does something
 * (least_conn, proxy_connect_timeout 1s, proxy_timeout 10m, 127.0.0.1:6443) and
 * add what it lacks (health checks, failover, panic mode).
 */
import { z } from 'zod';
import { parseHostPort } from '../shared/address.js';
import { ALGORITHMS } from '../balancing/pick.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** A duration: "200ms", "1s", "10m", "1h", or a number of milliseconds. */
export const duration = z
  .union([
    z.number().int().nonnegative(),
    z.string().regex(/^\d+(ms|s|m|h)$/, 'expected a duration such as 200ms, 1s, 10m'),
  ])
  .transform((v) => {
    if (typeof v === 'number') return v;
    const m = /^(\d+)(ms|s|m|h)$/.exec(v)!;
    return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
  })
  .describe('duration: "200ms", "1s", "10m", "1h", or milliseconds');

const address = (allowPortZero: boolean) =>
  z.string().superRefine((v, ctx) => {
    try {
      parseHostPort(v, undefined, { allowPortZero });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });
const hostPort = address(false);
/** An address kubeha binds: port 0 lets the kernel pick (the "serving" log line and /status name it). */
const bindAddress = address(true);
const portZero = (a: string) => /:0$/.test(a);

export const healthCheckSchema = z.strictObject({
  kind: z
    .enum(['https', 'http', 'tcp', 'none'])
    .default('https')
    .describe('https GET (default), plain http GET, tcp connect, or none'),
  path: z.string().startsWith('/').default('/readyz'),
  interval: duration.prefault('1s'),
  timeout: duration.prefault('1s'),
  rise: z.number().int().min(1).max(100).default(2),
  fall: z.number().int().min(1).max(100).default(2),
  edgeInterval: duration
    .prefault('200ms')
    .describe('re-check after this when a result disagrees with the state (Envoy edge interval)'),
  jitter: z
    .number()
    .min(0)
    .max(1)
    .default(0.1)
    .describe('fraction of the interval by which each check is randomly moved'),
  caFile: z
    .string()
    .optional()
    .describe('CA to verify API servers with; without it, no verification'),
  certFile: z.string().optional().describe("client certificate (e.g. the kubelet's)"),
  keyFile: z.string().optional(),
  serverName: z.string().optional().describe('TLS server name (default: the upstream host)'),
});

export const proxyConfigSchema = z
  .strictObject({
    // One address may be written as a string: that is what a user means by it.
    listen: z
      .union([bindAddress, z.array(bindAddress).min(1)])
      .transform((v) => (typeof v === 'string' ? [v] : v))
      .default(['127.0.0.1:6443']),
    bindRetry: duration
      .prefault('0s')
      .describe(
        'keep retrying a listen address that is taken for this long (another proxy such as nginx-proxy still holds it)',
      ),
    reusePort: z
      .boolean()
      .default(true)
      .describe(
        'bind with SO_REUSEPORT: a second kubeha with the same configuration can start beside this one (hitless restart); only processes of the same user can share',
      ),
    upstreams: z.array(hostPort).min(1).describe('API servers, HOST:PORT'),
    admin: bindAddress
      .nullable()
      .default('127.0.0.1:8081')
      .describe('admin endpoint (/livez /readyz /healthz /metrics /status); null disables'),
    algorithm: z.enum(ALGORITHMS).default('least_conn'),
    connectTimeout: duration.prefault('1s'),
    maxTries: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('upstreams tried per client connection; 0 = all'),
    idleTimeout: duration.prefault('10m'),
    tcpKeepAlive: duration.prefault('30s').describe('TCP keepalive idle time on both sides'),
    maxConnections: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('client connection ceiling; 0 = derived from RLIMIT_NOFILE'),
    workers: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(1)
      .describe(
        'data-path processes; above 1 a supervisor checks and the workers proxy (node:cluster)',
      ),
    healthCheck: healthCheckSchema.prefault({}),
    passive: z
      .strictObject({
        maxFails: z.number().int().min(0).default(1).describe('0 disables passive checks'),
        failTimeout: duration.prefault('10s'),
      })
      .prefault({}),
    discovery: z
      .strictObject({
        kubernetesEndpoints: z
          .boolean()
          .default(false)
          .describe(
            'add the API servers listed in default/kubernetes (its EndpointSlices, else its Endpoints) to the upstreams',
          ),
        kubeconfig: z
          .string()
          .optional()
          .describe(
            "kubeconfig whose CA and client certificate discovery uses (the kubelet's /etc/kubernetes/kubelet.conf); without it, healthCheck's caFile, certFile and keyFile",
          ),
        interval: duration
          .prefault('30s')
          .describe(
            'the longest retry backoff, and the poll period where only a get of the Endpoints object is allowed',
          ),
        debounce: duration
          .prefault('2s')
          .describe('a changed API-server list is applied once it has been stable this long'),
      })
      .prefault({}),
    stateDir: z
      .string()
      .default('/var/lib/kubeha')
      .describe('where the last good set of discovered API servers is kept (discovery.json)'),
    unhealthyGrace: duration
      .prefault('0s')
      .describe('close connections of an upstream that turned unhealthy after this'),
    failoverHold: duration
      .prefault('3s')
      .describe(
        'when upstreams fail within this long of each other, or panic mode has just ended, keep the connections of unhealthy ones until health has been steady this long, so they are not moved onto the next server to fail; 0 disables',
      ),
    rebalance: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            'close connections on the most loaded upstream when the load is uneven, so clients reconnect to emptier ones',
          ),
        healthyFor: duration
          .prefault('20s')
          .describe('only once every upstream has been healthy this long'),
        tolerance: z
          .number()
          .min(0)
          .max(10)
          .default(0.1)
          .describe('the most loaded upstream may exceed the even share by this fraction'),
        maxPerSecond: z
          .number()
          .min(0.1)
          .max(10)
          .default(2)
          .describe('connections closed per second at most, for the whole proxy'),
      })
      .prefault({}),
    drainTimeout: duration.prefault('30s'),
    shutdownTimeout: duration
      .prefault('3s')
      .describe(
        'on SIGTERM: stop accepting at once, let connections finish for this long, then close them so clients reconnect through another instance',
      ),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
  })
  .superRefine((c, ctx) => {
    // node:cluster workers would each bind a port of their own.
    if (c.workers > 1)
      for (const [i, a] of c.listen.entries())
        if (portZero(a))
          ctx.addIssue({
            code: 'custom',
            path: ['listen', i],
            message: 'port 0 (the kernel picks one) needs workers: 1',
          });
    // An endpoint list from an unverified server could send this node's API traffic anywhere.
    if (
      c.discovery.kubernetesEndpoints &&
      c.discovery.kubeconfig === undefined &&
      c.healthCheck.caFile === undefined
    )
      ctx.addIssue({
        code: 'custom',
        path: ['discovery', 'kubernetesEndpoints'],
        message:
          'needs discovery.kubeconfig or healthCheck.caFile: discovery follows only an endpoint list from a verified API server',
      });
  })
  .describe('kubeha proxy configuration');

/** The validated configuration, durations in milliseconds. */
export type ProxyConfig = z.output<typeof proxyConfigSchema>;
export type ProxyConfigInput = z.input<typeof proxyConfigSchema>;
export type HealthCheckConfig = ProxyConfig['healthCheck'];

export function proxyConfigJsonSchema(): object {
  return {
    $id: 'https://kubeha.dev/schema/proxy-config.schema.json',
    title: 'kubeha proxy configuration',
    ...z.toJSONSchema(proxyConfigSchema, { io: 'input' }),
  };
}
