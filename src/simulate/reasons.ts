/**
 * Why a client has, regains or loses the API: one English sentence per client,
 * written from the verdict (evaluate.ts) in Kubespray's and Kubernetes' terms.
 */
import type { Condition } from './check-timeline.js';
import { CLIENT_HANDSHAKE_TIMEOUT_MS, CLIENT_SILENT_DETECT_MS } from './client-facts.js';
import type { FailureState, Verdict } from './evaluate.js';
import { engineName, type SimClient, type SimModel } from './model.js';
import { fmt, type ProxyBehaviour } from './proxy-behaviour.js';
import type { Detection } from './proxy-failover.js';

export function quorumText(e: FailureState['etcd']): string {
  return `etcd has ${e.alive} of ${e.members} members: no quorum, every API server fails /readyz ([-]etcd failed) and cannot serve reads or writes`;
}

/** "0.2–1.3 s", "46 s", "at once". */
export function fmtRange(best: number, worst: number): string {
  if (worst === 0) return 'at once';
  if (Math.abs(best - worst) < 1) return fmt(worst);
  const unit = (ms: number) => Number((ms / 1000).toFixed(ms < 10_000 ? 1 : 0));
  return worst >= 1000 ? `${unit(best)}–${unit(worst)} s` : `${best}–${worst} ms`;
}

const CONDITION: Record<Condition, string> = {
  ok: 'is serving',
  unready: 'is unready (alive, failing /readyz and requests)',
  refused: 'has no kube-apiserver (connections refused)',
  silent: 'is down (packets dropped)',
};

function serverState(model: SimModel, s: FailureState, i: number): string {
  return `${model.controlPlanes[i]} ${CONDITION[s.servers[i]!]}`;
}

function failedServers(model: SimModel, s: FailureState, order: number[]): string {
  return order
    .filter((i) => s.servers[i] !== 'ok')
    .map((i) => serverState(model, s, i))
    .join('; ');
}

function detectionText(b: ProxyBehaviour, d: Detection | undefined): string {
  if (!d || d.worstMs === Infinity) return 'its checks never mark it down';
  return `its checks (GET ${b.active!.path}) mark it down after ${fmtRange(d.bestMs, d.worstMs)}`;
}

export function clientReason(model: SimModel, s: FailureState, c: SimClient, v: Verdict): string {
  const kind = c.path.kind;
  switch (v.status) {
    case 'down':
      return `${c.host} is down, and this client with it`;
    case 'broken':
      return `reaches no API server even without failures: ${c.path.text}`;
  }
  if (kind === 'local-proxy' && s.proxyDown.has(c.host)) {
    const b = model.localProxies.get(c.host)?.behaviour;
    return `the local ${b ? engineName(b) : 'proxy'} on ${c.host} is down: nothing listens on ${c.endpoint}`;
  }
  if (kind === 'external-lb' && s.lbDown) {
    return `the external LB ${model.externalLb?.address}:${model.externalLb?.port} is down`;
  }
  if (!s.etcd.quorum) return quorumText(s.etcd);
  if (kind === 'local-apiserver' || kind === 'direct') {
    const i = c.targets[0]!;
    const pin =
      kind === 'direct'
        ? `kubeconfig pins ${c.endpoint}`
        : `kubeconfig pins the local API server (${c.endpoint})`;
    return v.status === 'ok'
      ? `${pin}: ${model.controlPlanes[i]} is serving`
      : `${pin}: ${serverState(model, s, i)}`;
  }
  const via =
    kind === 'local-proxy'
      ? `local ${engineName(model.localProxies.get(c.host)!.behaviour)}`
      : `external LB ${model.externalLb!.address}`;
  const order = model.localProxies.get(c.host)?.upstreams ?? c.targets;
  if (v.status === 'ok') return `${via} → ${order.length} API server(s), all serving`;
  if (v.status === 'lost')
    return `no API server behind the ${via} is serving: ${failedServers(model, s, order)}`;
  const { behaviour: b, outcome, conds } = v.balancer!;
  const parts: string[] = [];
  order.forEach((cp, k) => {
    const cond = conds[k]!;
    if (cond === 'ok') return;
    parts.push(`${serverState(model, s, cp)}: ${howItMoves(b, cond, outcome.detection.get(k))}`);
  });
  if (kind === 'external-lb' && s.lbHostsDown > 0) {
    parts.push(
      `an LB host is down: keepalived moves the VIP within ${fmt(model.externalLb!.vipFailoverMs)}; a connection through the failed host is noticed by client-go within ${fmt(CLIENT_SILENT_DETECT_MS)}`,
    );
  }
  const head = `via ${via}`;
  if (v.status === 'at-risk') return `${head}: ${parts.join('; ')}`;
  const r = v.recoveryMs!;
  return `${head}: ${parts.join('; ')}; API again ${r.worst === 0 ? 'at once' : `within ${fmtRange(r.best, r.worst)}`}`;
}

/** What the balancer does about a server in this condition, for a client whose connection is on it. */
function howItMoves(b: ProxyBehaviour, cond: Condition, d: Detection | undefined): string {
  const name = engineName(b);
  const moves = b.closesOnUnhealthy
    ? `${detectionText(b, d)} and it closes the connections on it`
    : undefined;
  switch (cond) {
    case 'refused':
      return `connections are reset at once and ${name} connects elsewhere${b.triesPerServer > 1 ? ` (after ${b.triesPerServer} tries ${fmt(b.retryDelayMs)} apart)` : ''}`;
    case 'silent':
      return moves
        ? `${moves} (client-go would give up after ${fmt(CLIENT_SILENT_DETECT_MS)})`
        : `a connection on it stalls until client-go's HTTP/2 health check gives up (${fmt(CLIENT_SILENT_DETECT_MS)}); a new connection that ${name} sends there waits ${fmt(Math.min(b.connectTimeoutMs * b.triesPerServer, CLIENT_HANDSHAKE_TIMEOUT_MS))} before ${name} moves on or the client dials again`;
    case 'unready':
      if (moves) return moves;
      if (!b.active) {
        return `${name} has no active health checks: it keeps routing new connections to it and never closes those on it, so a client there keeps failing`;
      }
      return `${detectionText(b, d)}, after which new connections avoid it, but ${name} keeps the existing ones on it: a client there keeps failing`;
    case 'ok':
      return 'serving';
  }
}
