/**
 * The demo's results as words and numbers, pure: the verdict on what the story
 * was meant to show, each step's lines, the summary table and the JSON document
 * (`kubeha demo --json`).
 */
import type { DemoNode } from './demo-session.js';
import type { RequestStats, StepResult } from './demo-story.js';

export interface DemoSummary {
  /** The story showed what it should: every change noticed, no avoidable failure. */
  ok: boolean;
  problems: string[];
  durationMs: number;
  inventory: string;
  node: string;
  proxy: { pid: number; listen: string; admin: string; statusPage: string };
  upstreams: DemoNode[];
  steps: StepResult[];
  totals: Omit<RequestStats, 'byNode' | 'errors'> & { watchEvents: number; watchRestarts: number };
}

export function judge(steps: readonly StepResult[]): string[] {
  const problems: string[] = [];
  for (const s of steps) {
    for (const d of s.detections)
      if (d.afterMs === null) problems.push(`step ${s.n}: kubeha never marked ${d.node} ${d.to}`);
    if (s.requests.failedWhileHealthy > 0)
      problems.push(
        `step ${s.n}: ${s.requests.failedWhileHealthy} request(s) failed while kubeha had a healthy API server (${s.requests.errors.join('; ')})`,
      );
    if (
      s.watch.brokeAfterMs !== null &&
      s.watch.movedAfterMs === null &&
      s.watch.after === s.watch.before
    )
      problems.push(`step ${s.n}: the watch broke and did not come back elsewhere`);
  }
  return problems;
}

export function totals(steps: readonly StepResult[], watchEvents: number, watchRestarts: number) {
  const sum = (f: (r: RequestStats) => number) => steps.reduce((n, s) => n + f(s.requests), 0);
  return {
    total: sum((r) => r.total),
    failed: sum((r) => r.failed),
    failedWhileHealthy: sum((r) => r.failedWhileHealthy),
    retried: sum((r) => r.retried),
    slowestMs: steps.reduce((m, s) => Math.max(m, s.requests.slowestMs), 0),
    watchEvents,
    watchRestarts,
  };
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function detected(s: StepResult): string {
  if (s.detections.length === 0) return '-';
  return s.detections
    .map((d) =>
      d.afterMs === null
        ? `${d.node} never ${d.to}`
        : `${d.node} ${d.to === 'healthy' ? 'back' : 'out'} ${seconds(d.afterMs)}`,
    )
    .join(', ');
}

function watchCell(s: StepResult): string {
  const w = s.watch;
  if (w.movedAfterMs !== null) return `${w.before} -> ${w.after} ${seconds(w.movedAfterMs)}`;
  if (w.brokeAfterMs !== null) return `broke ${seconds(w.brokeAfterMs)}, on ${w.after}`;
  return `on ${w.after}`;
}

/** What a finished step says, one fact a line. */
export function stepLines(s: StepResult): string[] {
  const lines = s.detections.map((d) =>
    d.afterMs === null
      ? `  kubeha never marked ${d.node} ${d.to} (waited ${seconds(s.durationMs)})`
      : `  detected: ${d.node} ${d.to} after ${seconds(d.afterMs)} (${d.reason})`,
  );
  const w = s.watch;
  if (w.movedAfterMs !== null)
    lines.push(
      `  watch: moved ${w.before} -> ${w.after} ${seconds(w.movedAfterMs)} after the change` +
        (w.brokeAfterMs !== null ? ` (stream ended at ${seconds(w.brokeAfterMs)})` : ''),
    );
  else lines.push(`  watch: stayed on ${w.after}`);
  const r = s.requests;
  const spread = Object.entries(r.byNode)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([n, c]) => `${n} ${c}`)
    .join(', ');
  lines.push(
    `  requests: ${r.total} sent, ${r.failed} failed` +
      (r.failed > 0 ? ` (${r.failedWhileHealthy} while a healthy API server was there)` : '') +
      `, ${r.retried} re-sent on a new connection, slowest ${r.slowestMs} ms; answered by ${spread || 'nobody'}`,
  );
  if (s.panicMs > 0)
    lines.push(`  panic mode for ${seconds(s.panicMs)}: no healthy upstream, kubeha routed to all`);
  return lines;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}

export function formatSummary(sum: DemoSummary): string {
  const rows = [
    ['#', 'step', 'kubeha noticed', "kubelet's watch", 'requests', 'failed', 're-sent', 'slowest'],
    ...sum.steps.map((s) => [
      String(s.n),
      s.label,
      detected(s),
      watchCell(s),
      String(s.requests.total),
      String(s.requests.failed),
      String(s.requests.retried),
      `${s.requests.slowestMs} ms`,
    ]),
    [
      '',
      'all',
      '',
      `${sum.totals.watchEvents} events, ${sum.totals.watchRestarts} restarts`,
      String(sum.totals.total),
      String(sum.totals.failed),
      String(sum.totals.retried),
      `${sum.totals.slowestMs} ms`,
    ],
  ];
  const verdict = sum.ok
    ? `No request failed while kubeha had a healthy API server to send it to; the watch followed every failure. ${seconds(sum.durationMs)} in all.`
    : `Not as expected:\n${sum.problems.map((p) => `  ${p}`).join('\n')}`;
  return ['Summary', ...table(rows), '', verdict].join('\n');
}
