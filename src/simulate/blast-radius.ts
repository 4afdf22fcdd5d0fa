/**
 * The single-point-of-failure report: every single failure (or every pair) and
 * the clients that lose the API because of it, largest blast radius first.
 * A client counts when it had the API without failures, does not run on a failed
 * host itself, and now has none (lost) or may be kept on a broken server (at risk).
 */
import { failureState, judge, type ClientStatus } from './evaluate.js';
import { subsumes, type Failure } from './failures.js';
import type { SimModel } from './model.js';
import { KubehaError } from '../shared/errors.js';

export interface ClientRef {
  host: string;
  component: string;
  status: ClientStatus;
}

export interface Impact {
  failures: Failure[];
  lost: ClientRef[];
  atRisk: ClientRef[];
}

export function singleFailures(model: SimModel): Failure[][] {
  return model.catalog.map((f) => [f]);
}

/** Every unordered pair, leaving out pairs where one failure contains the other. */
export function failurePairs(model: SimModel): Failure[][] {
  const c = model.catalog;
  const n = (c.length * (c.length - 1)) / 2;
  if (n > MAX_PAIRS) {
    throw new KubehaError(
      'E_SIMULATE_TOO_MANY_PAIRS',
      `--all-pairs: ${c.length} single failures make ${n} pairs, more than ${MAX_PAIRS}`,
      { hint: 'use --all-single, or --fail with the sets you care about' },
    );
  }
  const out: Failure[][] = [];
  for (let i = 0; i < c.length; i++) {
    for (let j = i + 1; j < c.length; j++) {
      if (!subsumes(c[i]!, c[j]!) && !subsumes(c[j]!, c[i]!)) out.push([c[i]!, c[j]!]);
    }
  }
  return out;
}

/** Beyond this many pairs `--all-pairs` refuses (about 450 single failures, 200-odd hosts). */
export const MAX_PAIRS = 100_000;

/**
 * A client's verdict depends on three things only: whether its own host failed,
 * whether its own local proxy failed, and the shared state (every API server's
 * condition, etcd quorum, the LB). So the clients a shared state costs are worked
 * out once per distinct shared state, and each set only adds its own hosts' and
 * proxies' clients: all pairs of a 50-host plan take a fraction of a second.
 */
export function blastRadius(model: SimModel, sets: Failure[][]): Impact[] {
  const base = failureState(model, []);
  const had = model.clients.map((c) => {
    const s = judge(model, base, c).status;
    return s === 'ok' || s === 'recovers';
  });
  const byHost = new Map<string, number[]>();
  model.clients.forEach((c, i) => byHost.set(c.host, [...(byHost.get(c.host) ?? []), i]));
  const shared = new Map<string, Array<{ i: number; status: ClientStatus }>>();
  const impacts = sets.map((failures, order) => {
    const s = failureState(model, failures);
    const key = `${s.servers.join()}|${s.etcd.quorum}|${s.lbDown}|${s.lbHostsDown}`;
    let hit = shared.get(key);
    if (!hit) {
      const global = { ...s, hostDown: new Set<string>(), proxyDown: new Set<string>() };
      hit = [];
      model.clients.forEach((c, i) => {
        const status = had[i] ? judge(model, global, c).status : 'ok';
        if (status === 'lost' || status === 'at-risk') hit!.push({ i, status });
      });
      shared.set(key, hit);
    }
    const own = new Map<number, ClientStatus>();
    for (const host of new Set([...s.hostDown, ...s.proxyDown])) {
      for (const i of byHost.get(host) ?? []) {
        if (had[i]) own.set(i, judge(model, s, model.clients[i]!).status);
      }
    }
    const lost: ClientRef[] = [];
    const atRisk: ClientRef[] = [];
    const add = (i: number, status: ClientStatus) => {
      const c = model.clients[i]!;
      if (status === 'lost') lost.push({ host: c.host, component: c.component, status });
      else if (status === 'at-risk') atRisk.push({ host: c.host, component: c.component, status });
    };
    for (const { i, status } of hit) if (!own.has(i)) add(i, status);
    for (const [i, status] of own) add(i, status);
    return { impact: { failures, lost, atRisk }, order };
  });
  impacts.sort(
    (a, b) =>
      b.impact.lost.length +
        b.impact.atRisk.length -
        (a.impact.lost.length + a.impact.atRisk.length) ||
      b.impact.lost.length - a.impact.lost.length ||
      a.order - b.order,
  );
  return impacts.map((x) => x.impact);
}
