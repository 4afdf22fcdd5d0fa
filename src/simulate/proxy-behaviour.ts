/**
 * How a load balancer in front of the API servers behaves when one of them
 * fails, read from the configuration kubeha renders for it (src/render): the
 * local nginx.conf / haproxy.cfg exactly as Kubespray writes them, the kubeha
 * proxy's proxy.yaml, and the external LB's haproxy.cfg and keepalived.conf.
 * Settings a file leaves out take the program's documented default, named here.
 */
import { parse as parseYaml } from 'yaml';
import type { PassiveParams } from '../balancing/upstream-health.js';

export type Engine = 'nginx' | 'haproxy' | 'kubeha' | 'external-lb';

export interface ActiveChecks {
  /** kubeha: edge re-checks and overlapping checks; haproxy: one check at a time, fastinter */
  style: 'kubeha' | 'haproxy';
  path: string;
  intervalMs: number;
  /** HAProxy `fastinter` (between a first failure and the verdict); kubeha: the edge interval */
  fastIntervalMs: number;
  /** HAProxy `downinter` */
  downIntervalMs: number;
  /** kubeha moves each interval by up to ± this fraction */
  jitter: number;
  /** kubeha: checks one upstream may have in flight (its scheduler uses `fall`) */
  maxInFlight: number;
  /** how long a check against a host that drops packets takes to fail */
  silentTimeoutMs: number;
  rise: number;
  fall: number;
}

export interface ProxyBehaviour {
  engine: Engine;
  /** "nginx (Kubespray's nginx.conf)" */
  label: string;
  /** the rendered file the numbers come from */
  file: string;
  connectTimeoutMs: number;
  /** connects to one server before moving on (HAProxy `retries`; 1 elsewhere) */
  triesPerServer: number;
  /** pause between two connects to the same server (HAProxy: min(timeout connect, 1 s)) */
  retryDelayMs: number;
  /** after the tries on one server fail, the next server is tried for the same client */
  nextUpstream: boolean;
  active: ActiveChecks | null;
  /** data-path connect failures that take a server out (nginx max_fails/fail_timeout) */
  passive: PassiveParams;
  /** connections to a server that turned unhealthy are closed (kubeha; HAProxy on-marked-down shutdown-sessions) */
  closesOnUnhealthy: boolean;
  unhealthyGraceMs: number;
  /** kubeha: failures close together hold the close (src/balancing/failover-hold.ts); 0 elsewhere */
  failoverHoldMs: number;
  /** with no eligible server, keep routing to all (kubeha's panic mode) instead of refusing */
  panic: boolean;
}

/**
 * kubeha proxy defaults the rendered proxy.yaml does not spell out; they are
 * src/proxy/config-schema.ts's defaults (test/simulate checks they still are).
 * The simulator cannot import the proxy stage: it comes later in the data flow.
 */
export const KUBEHA_PROXY_DEFAULTS = {
  edgeIntervalMs: 200,
  jitter: 0.1,
  unhealthyGraceMs: 0,
  failoverHoldMs: 3000,
  passiveMaxFails: 1,
  passiveFailTimeoutMs: 10_000,
  connectTimeoutMs: 1000,
  discoveryIntervalMs: 30_000,
  discoveryDebounceMs: 2000,
} as const;

/** nginx's `server` defaults (ngx_stream_upstream_module): max_fails=1 fail_timeout=10s. */
const NGINX_MAX_FAILS = 1;
const NGINX_FAIL_TIMEOUT = '10s';
/** HAProxy's defaults when a cfg leaves them out: retries 3, inter 2s, rise 2, fall 3. */
const HAPROXY_DEFAULTS = { retries: 3, inter: '2s', rise: 2, fall: 3 };

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "200ms", "1s", "10m"; a bare number is `bareUnit` (nginx: seconds, HAProxy: milliseconds). */
export function durationMs(text: string | number, bareUnit: 'ms' | 's' = 'ms'): number {
  if (typeof text === 'number') return text;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * UNITS[m[2] ?? bareUnit]!;
}

/** The first `NAME VALUE` of a directive in an nginx/HAProxy config, or undefined. */
function directive(text: string, name: string): string | undefined {
  const re = new RegExp(`^\\s*${name.replace(/ /g, '\\s+')}\\s+([^;\\n]+?)\\s*;?\\s*$`, 'm');
  return re.exec(text)?.[1];
}

/** `key value` pairs of a HAProxy server/default-server line. */
function serverParams(line: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const words = (line ?? '').trim().split(/\s+/);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (['inter', 'fastinter', 'downinter', 'rise', 'fall', 'on-marked-down'].includes(w)) {
      out.set(w, words[++i] ?? '');
    }
  }
  return out;
}

export function nginxBehaviour(conf: string, file: string): ProxyBehaviour {
  const server = /^\s*server\s+\S+?(\s[^;]*)?;/m.exec(conf.split(/upstream\s+\S+\s*\{/)[1] ?? '');
  const opts = server?.[1] ?? '';
  const maxFails = Number(/max_fails=(\d+)/.exec(opts)?.[1] ?? NGINX_MAX_FAILS);
  const failTimeout = /fail_timeout=(\S+)/.exec(opts)?.[1] ?? NGINX_FAIL_TIMEOUT;
  return {
    engine: 'nginx',
    label: "nginx (Kubespray's nginx.conf: no active checks)",
    file,
    // proxy_connect_timeout defaults to 60s in nginx; Kubespray sets 1s
    connectTimeoutMs: durationMs(directive(conf, 'proxy_connect_timeout') ?? '60s', 's'),
    triesPerServer: 1,
    retryDelayMs: 0,
    // proxy_next_upstream is on by default in the stream module
    nextUpstream: directive(conf, 'proxy_next_upstream') !== 'off',
    active: null,
    passive: { maxFails, failTimeoutMs: durationMs(failTimeout, 's') },
    closesOnUnhealthy: false,
    unhealthyGraceMs: 0,
    failoverHoldMs: 0,
    panic: false,
  };
}

/** HAProxy as configured in a haproxy.cfg (Kubespray's local one, or kubeha's external LB). */
export function haproxyBehaviour(
  cfg: string,
  file: string,
  engine: 'haproxy' | 'external-lb',
): ProxyBehaviour {
  const ds = serverParams(/^\s*default-server\s+(.*)$/m.exec(cfg)?.[1]);
  const inter = durationMs(ds.get('inter') ?? HAPROXY_DEFAULTS.inter);
  const connect = durationMs(directive(cfg, 'timeout connect') ?? '5s');
  const checkTimeout = directive(cfg, 'timeout check');
  const retries = Number(directive(cfg, 'retries') ?? HAPROXY_DEFAULTS.retries);
  const redispatch = /^\s*option\s+redispatch\b/m.test(cfg);
  const path =
    /option\s+httpchk\s+(?:GET\s+)?(\/\S*)/.exec(cfg)?.[1] ??
    /http-check\s+send\s+meth\s+GET\s+uri\s+(\/\S*)/.exec(cfg)?.[1] ??
    '/';
  return {
    engine,
    label:
      engine === 'haproxy'
        ? `HAProxy (Kubespray's haproxy.cfg: GET ${path} every ${fmt(inter)})`
        : `the external LB (HAProxy as kubeha renders it: GET ${path} every ${fmt(inter)})`,
    file,
    connectTimeoutMs: connect,
    // with `option redispatch` the last retry goes to another server
    triesPerServer: redispatch ? retries : retries + 1,
    // HAProxy waits min(timeout connect, 1 s) before retrying the same server
    retryDelayMs: Math.min(connect, 1000),
    nextUpstream: redispatch,
    active: {
      style: 'haproxy',
      path,
      intervalMs: inter,
      fastIntervalMs: durationMs(ds.get('fastinter') ?? ds.get('inter') ?? HAPROXY_DEFAULTS.inter),
      downIntervalMs: durationMs(ds.get('downinter') ?? ds.get('inter') ?? HAPROXY_DEFAULTS.inter),
      jitter: 0,
      maxInFlight: 1,
      // with `timeout check` set, a check's connect may take min(timeout connect, inter)
      silentTimeoutMs: checkTimeout === undefined ? inter : Math.min(connect, inter),
      rise: Number(ds.get('rise') ?? HAPROXY_DEFAULTS.rise),
      fall: Number(ds.get('fall') ?? HAPROXY_DEFAULTS.fall),
    },
    // HAProxy does not take a server out on data-path errors unless `observe` is set
    passive: { maxFails: 0, failTimeoutMs: 0 },
    closesOnUnhealthy: ds.get('on-marked-down') === 'shutdown-sessions',
    unhealthyGraceMs: 0,
    failoverHoldMs: 0,
    panic: false,
  };
}

interface KubehaConfigText {
  connectTimeout?: string | number;
  unhealthyGrace?: string | number;
  failoverHold?: string | number;
  healthCheck?: {
    kind?: string;
    path?: string;
    interval?: string | number;
    timeout?: string | number;
    rise?: number;
    fall?: number;
    edgeInterval?: string | number;
    jitter?: number;
  };
  passive?: { maxFails?: number; failTimeout?: string | number };
}

export function kubehaBehaviour(yamlText: string, file: string): ProxyBehaviour {
  const c = (parseYaml(yamlText) ?? {}) as KubehaConfigText;
  const hc = c.healthCheck ?? {};
  const d = KUBEHA_PROXY_DEFAULTS;
  const interval = durationMs(hc.interval ?? '1s');
  const fall = hc.fall ?? 2;
  const edge = durationMs(hc.edgeInterval ?? d.edgeIntervalMs);
  return {
    engine: 'kubeha',
    label: `kubeha proxy (GET ${hc.path ?? '/readyz'} every ${fmt(interval)}, moves connections)`,
    file,
    connectTimeoutMs: durationMs(c.connectTimeout ?? d.connectTimeoutMs),
    triesPerServer: 1,
    retryDelayMs: 0,
    nextUpstream: true,
    active:
      hc.kind === 'none'
        ? null
        : {
            style: 'kubeha',
            path: hc.path ?? '/readyz',
            intervalMs: interval,
            fastIntervalMs: edge,
            downIntervalMs: interval,
            jitter: hc.jitter ?? d.jitter,
            // src/proxy/daemon.ts: maxInFlight = fall
            maxInFlight: fall,
            silentTimeoutMs: durationMs(hc.timeout ?? '1s'),
            rise: hc.rise ?? 2,
            fall,
          },
    passive: {
      maxFails: c.passive?.maxFails ?? d.passiveMaxFails,
      failTimeoutMs: durationMs(c.passive?.failTimeout ?? d.passiveFailTimeoutMs),
    },
    closesOnUnhealthy: true,
    unhealthyGraceMs: durationMs(c.unhealthyGrace ?? d.unhealthyGraceMs),
    failoverHoldMs: durationMs(c.failoverHold ?? d.failoverHoldMs),
    panic: true,
  };
}

/**
 * keepalived's VRRP failover: a BACKUP takes the VIP after Master_Down_Interval =
 * 3 × advert_int + Skew_Time, Skew_Time = (256 − priority) / 256 × advert_int (RFC 3768).
 */
export function keepalivedFailoverMs(conf: string): number {
  const advert = Number(/^\s*advert_int\s+(\S+)/m.exec(conf)?.[1] ?? 1);
  const priority = Number(/^\s*priority\s+(\d+)/m.exec(conf)?.[1] ?? 100);
  return Math.round((3 * advert + ((256 - priority) / 256) * advert) * 1000);
}

export function fmt(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(1))} s`;
  return `${ms} ms`;
}
