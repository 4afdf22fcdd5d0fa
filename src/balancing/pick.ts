/**
 * Pick strategies: which of the eligible upstreams gets the next connection.
 * Pure apart from the state a strategy needs (the round-robin cursor) and an
 * injected random source, so tests can drive them deterministically.
 */
export const ALGORITHMS = ['least_conn', 'round_robin', 'random_two', 'first'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export interface Candidate {
  /** Position in the configured upstream list (stable across picks). */
  index: number;
  /** Connections currently proxied to it. */
  active: number;
}

export class Picker {
  /** Index after the last round-robin pick; ties and round_robin start here. */
  private cursor = 0;

  constructor(
    readonly algorithm: Algorithm,
    private readonly random: () => number = Math.random,
  ) {}

  /** Returns the chosen candidate's `index`, or undefined when there is none. */
  pick(candidates: readonly Candidate[]): number | undefined {
    if (candidates.length === 0) return undefined;
    switch (this.algorithm) {
      case 'first':
        return minBy(candidates, (c) => c.index).index;
      case 'round_robin':
        return this.rotate(candidates);
      case 'least_conn': {
        // nginx's least_conn also breaks ties round-robin (ngx_http_upstream_least_conn_module).
        let least = Infinity;
        for (const c of candidates) least = Math.min(least, c.active);
        return this.rotate(candidates.filter((c) => c.active === least));
      }
      case 'random_two': {
        // Power of two choices: two distinct random candidates, the less loaded wins.
        if (candidates.length === 1) return candidates[0]!.index;
        const i = Math.floor(this.random() * candidates.length);
        let j = Math.floor(this.random() * (candidates.length - 1));
        if (j >= i) j++;
        const a = candidates[i]!;
        const b = candidates[j]!;
        return b.active < a.active ? b.index : a.index;
      }
    }
  }

  /** The first candidate at or after the cursor, wrapping around. */
  private rotate(candidates: readonly Candidate[]): number {
    let chosen: Candidate | undefined;
    for (const c of candidates) {
      if (c.index >= this.cursor && (chosen === undefined || c.index < chosen.index)) chosen = c;
    }
    chosen ??= minBy(candidates, (c) => c.index);
    this.cursor = chosen.index + 1;
    return chosen.index;
  }
}

function minBy<T extends object>(items: readonly T[], key: (t: T) => number): T {
  let best = items[0]!;
  for (const it of items) if (key(it) < key(best)) best = it;
  return best;
}
