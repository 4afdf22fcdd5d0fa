/**
 * `kubeha check`'s result: one verdict per line, each about one thing (an API
 * server, a lease, a node, a kubeconfig), with a fix where kubeha knows one.
 * Pure: the CLI prints `formatVerdicts` and exits with `exitCodeOf`.
 */

export type Status = 'pass' | 'warn' | 'fail' | 'skip';

export interface Verdict {
  status: Status;
  /** What kind of check: apiserver, lease, node, proxy-pod, drift, kubeconfig, local-proxy, probe, rlimit, … */
  check: string;
  /** What it is about: an address, a node, a lease or a file. */
  subject: string;
  message: string;
  fix?: string;
}

export type AddVerdict = (
  status: Status,
  check: string,
  subject: string,
  message: string,
  fix?: string,
) => void;

/** A list of verdicts and the function that adds one. */
export function verdictList(): { out: Verdict[]; add: AddVerdict } {
  const out: Verdict[] = [];
  const add: AddVerdict = (status, check, subject, message, fix) =>
    out.push({ status, check, subject, message, ...(fix ? { fix } : {}) });
  return { out, add };
}

export interface CheckReport {
  mode: 'cluster' | 'node';
  verdicts: Verdict[];
  summary: Record<Status, number>;
  ok: boolean;
}

export function report(mode: CheckReport['mode'], verdicts: Verdict[]): CheckReport {
  const summary: Record<Status, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const v of verdicts) summary[v.status]++;
  return { mode, verdicts, summary, ok: summary.fail === 0 };
}

/** 0 when nothing failed, 1 otherwise (2, unusable input, is a KubehaError before any verdict). */
export function exitCodeOf(r: CheckReport): number {
  return r.ok ? 0 : 1;
}

const LABEL: Record<Status, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

export function formatVerdicts(r: CheckReport): string {
  const width = (f: (v: Verdict) => string) => Math.max(0, ...r.verdicts.map((v) => f(v).length));
  const cw = width((v) => v.check);
  const sw = width((v) => v.subject);
  const lines = r.verdicts.map((v) => {
    const fix = v.fix ? ` (fix: ${v.fix})` : '';
    return `${LABEL[v.status]}  ${v.check.padEnd(cw)}  ${v.subject.padEnd(sw)}  ${v.message}${fix}`;
  });
  const s = r.summary;
  lines.push(
    `${r.ok ? 'OK' : 'PROBLEMS'}: ${s.pass} passed, ${s.warn} warnings, ${s.fail} failed, ${s.skip} skipped`,
  );
  return `${lines.join('\n')}\n`;
}

/** "3s", "2m5s", "1h2m": how long ago, for lease ages. */
export function ago(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}
