/** Median and spread of interleaved rounds: medians resist one noisy round on a shared machine. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
  /** Half the min-max range relative to the median, in percent. */
  spreadPct: number;
}

export function summarize(xs: number[]): Summary | undefined {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  const min = s[0]!;
  const max = s[s.length - 1]!;
  return {
    median,
    min,
    max,
    n: s.length,
    spreadPct: median === 0 ? 0 : ((max - min) / 2 / Math.abs(median)) * 100,
  };
}
