/**
 * The guard rails between what discovery reads and what the pool uses (pure).
 * A list read from the API is a claim, not a fact: during an etcd restore, a
 * misdirected kubeconfig or a control-plane migration it can be empty, or name
 * another cluster's servers. So:
 * - an empty list is never applied: the last good set stays, and the log says why;
 * - a list sharing no address with the configured upstreams is applied only when
 *   every configured upstream is unhealthy (the cluster really moved);
 * - an unchanged list changes nothing.
 */

export interface GuardInput {
  /** the discovered set in use */
  applied: readonly string[];
  /** what discovery read */
  candidate: readonly string[];
  configured: readonly string[];
  /** every configured upstream is unhealthy */
  configuredAllUnhealthy: boolean;
}

export type Verdict =
  | { apply: true; added: string[]; removed: string[] }
  | { apply: false; reason: 'unchanged' }
  | { apply: false; reason: 'empty' | 'disjoint'; why: string };

export function judge(i: GuardInput): Verdict {
  const candidate = [...new Set(i.candidate)].sort();
  if (candidate.length === 0)
    return {
      apply: false,
      reason: 'empty',
      why: 'default/kubernetes lists no ready API server: keeping the last good set',
    };
  const applied = new Set(i.applied);
  const added = candidate.filter((c) => !applied.has(c));
  const removed = [...applied].filter((a) => !candidate.includes(a)).sort();
  if (added.length === 0 && removed.length === 0) return { apply: false, reason: 'unchanged' };
  const configured = new Set(i.configured);
  if (!candidate.some((c) => configured.has(c)) && !i.configuredAllUnhealthy)
    return {
      apply: false,
      reason: 'disjoint',
      why:
        `default/kubernetes lists ${candidate.join(', ')}, none of the configured upstreams, ` +
        'while one of those is not unhealthy: not applied until every configured upstream is unhealthy',
    };
  return { apply: true, added, removed };
}

/** `+10.0.0.3:6443 −10.0.0.1:6443`: a change as a diff, for the log. */
export function diffLine(added: readonly string[], removed: readonly string[]): string {
  return [...added.map((a) => `+${a}`), ...removed.map((r) => `\u2212${r}`)].join(' ');
}
