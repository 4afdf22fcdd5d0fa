/**
 * The single-point-of-failure report: every single failure (or every pair) and
 * the clients that lose the API because of it, largest blast radius first.
 * A client counts when it had the API without failures, does not run on a failed
 * host itself, and now has none (lost) or may be kept on a broken server (at risk).
 */
import { failureState, judge, type ClientStatus } from './evaluate.js';
import { subsumes, type Failure } from './failures.js';
import type { SimModel } from './model.js';

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
  const out: Failure[][] = [];
  for (let i = 0; i < c.length; i++) {
    for (let j = i + 1; j < c.length; j++) {
      if (!subsumes(c[i]!, c[j]!) && !subsumes(c[j]!, c[i]!)) out.push([c[i]!, c[j]!]);
    }
  }
  return out;
}

export function blastRadius(model: SimModel, sets: Failure[][]): Impact[] {
  const base = failureState(model, []);
  const had = model.clients.map((c) => {
    const s = judge(model, base, c).status;
    return s === 'ok' || s === 'recovers';
  });
  const impacts = sets.map((failures, order) => {
    const s = failureState(model, failures);
    const lost: ClientRef[] = [];
    const atRisk: ClientRef[] = [];
    model.clients.forEach((c, i) => {
      if (!had[i]) return;
      const status = judge(model, s, c).status;
      if (status === 'lost') lost.push({ host: c.host, component: c.component, status });
      else if (status === 'at-risk') atRisk.push({ host: c.host, component: c.component, status });
    });
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
