/**
 * The demo's story, step by step: what each step does to the lab, what the
 * proxy is expected to notice, and what each step measured (detection times by
 * the proxy's own clock, when the kubelet's watch broke and where it went, the
 * requests sent meanwhile). Waits are bounded: a step whose change the proxy
 * never notices ends after DETECT_LIMIT_MS and says so.
 */
import type { LabApiServer } from './api-server.js';
import type { DemoSession } from './demo-session.js';
import { REWATCH_DELAY_MS } from './demo-watch.js';
import type { RequestRecord } from './demo-traffic.js';

export const DETECT_LIMIT_MS = 15_000;

interface Expectation {
  /** Index of the control plane (0 = k8s-node1). */
  server: number;
  to: 'healthy' | 'unhealthy';
}

export interface StepSpec {
  title(names: string[]): string;
  /** A few words for the summary table. */
  label(names: string[]): string;
  act(servers: LabApiServer[]): Promise<void> | void;
  expect: Expectation[];
  /** Steady traffic after the step's changes were noticed. */
  holdMs: number;
}

export const STORY: StepSpec[] = [
  {
    title: () => "steady traffic; the kubelet's watch goes through kubeha",
    label: () => 'steady traffic',
    act: () => {},
    expect: [],
    holdMs: 3000,
  },
  {
    title: (n) => `${n[0]}'s API server dies (every connection reset)`,
    label: (n) => `${n[0]} dies`,
    act: (s) => s[0]!.die(),
    expect: [{ server: 0, to: 'unhealthy' }],
    holdMs: 2000,
  },
  {
    title: (n) => `${n[1]}'s API server hangs: it accepts connections and never answers`,
    label: (n) => `${n[1]} hangs`,
    act: (s) => s[1]!.hang(),
    expect: [{ server: 1, to: 'unhealthy' }],
    holdMs: 2000,
  },
  {
    title: (n) => `${n[2]} goes unready (etcd fails) while ${n[0]} comes back`,
    label: (n) => `${n[2]} unready, ${n[0]} back`,
    act: async (s) => {
      s[2]!.unready(['etcd']);
      await s[0]!.resume();
    },
    expect: [
      { server: 2, to: 'unhealthy' },
      { server: 0, to: 'healthy' },
    ],
    holdMs: 2000,
  },
  {
    title: () => 'all recover',
    label: () => 'all recover',
    act: async (s) => {
      await s[1]!.resume();
      s[2]!.ready();
    },
    expect: [
      { server: 1, to: 'healthy' },
      { server: 2, to: 'healthy' },
    ],
    holdMs: 2000,
  },
];

export interface Detection {
  node: string;
  to: string;
  /** From the step's change to the proxy's health change; null when it never came. */
  afterMs: number | null;
  reason?: string;
}

export interface WatchMove {
  /** The server the watch was on when the step began, and at its end. */
  before: string;
  after: string;
  /** From the step's change to the stream's end; null when it did not end. */
  brokeAfterMs: number | null;
  /** From the step's change to the first event from another server. */
  movedAfterMs: number | null;
}

export interface RequestStats {
  total: number;
  failed: number;
  /** Failed while the proxy had a healthy upstream to send them to. */
  failedWhileHealthy: number;
  /** Sent again on a new connection after their kept-alive one was closed (and then answered). */
  retried: number;
  slowestMs: number;
  /** Requests answered per node. */
  byNode: Record<string, number>;
  errors: string[];
}

export interface StepResult {
  n: number;
  title: string;
  label: string;
  startedAt: number;
  durationMs: number;
  detections: Detection[];
  watch: WatchMove;
  requests: RequestStats;
  panicMs: number;
  /** What kubeha did, in its words, with times relative to the step's start. */
  actions: { afterMs: number; text: string }[];
}

export interface StoryReporter {
  stepStarted(n: number, title: string): void;
  stepDone(result: StepResult): void;
}

export function requestStats(
  records: readonly RequestRecord[],
  nodeOf: (address: string | undefined) => string,
  healthyAt: (at: number) => boolean,
): RequestStats {
  const failed = records.filter((r) => !r.ok);
  const byNode: Record<string, number> = {};
  for (const r of records) if (r.ok) byNode[nodeOf(r.server)] = (byNode[nodeOf(r.server)] ?? 0) + 1;
  return {
    total: records.length,
    failed: failed.length,
    failedWhileHealthy: failed.filter((r) => healthyAt(r.at + r.latencyMs)).length,
    retried: records.filter((r) => r.ok && r.retried).length,
    slowestMs: records.reduce((m, r) => Math.max(m, r.latencyMs), 0),
    byNode,
    errors: [...new Set(failed.map((r) => r.error ?? 'failed'))].slice(0, 5),
  };
}

export async function runStory(s: DemoSession, report: StoryReporter): Promise<StepResult[]> {
  const servers = s.lab!.servers;
  const names = s.nodes.map((n) => n.node);
  const results: StepResult[] = [];
  for (const [i, step] of STORY.entries()) {
    s.signal.throwIfAborted();
    const title = step.title(names);
    report.stepStarted(i + 1, title);
    const label = step.label(names);
    const t0 = Date.now();
    const watchBefore = s.watch!.server ?? '?';
    await step.act(servers);
    const seen = (e: Expectation) =>
      s.observer!.changeAfter(s.nodes[e.server]!.address, e.to, t0) !== undefined;
    await s.until(() => step.expect.every(seen), DETECT_LIMIT_MS);
    // A broken watch comes back after the reflector's delay: wait for its first event.
    const endAt = () => s.watch!.ends.find((e) => e.at >= t0)?.at;
    await s.until(() => {
      const broke = endAt();
      return broke === undefined || s.watch!.events.some((e) => e.at > broke);
    }, REWATCH_DELAY_MS + DETECT_LIMIT_MS);
    await s.hold(step.holdMs);
    const t1 = Date.now();
    await s.until(() => s.traffic!.settledBefore(t1), 20_000);
    results.push(stepResult(s, i + 1, { title, label }, t0, t1, watchBefore));
    report.stepDone(results.at(-1)!);
  }
  return results;
}

function stepResult(
  s: DemoSession,
  n: number,
  text: { title: string; label: string },
  t0: number,
  t1: number,
  watchBefore: string,
): StepResult {
  const obs = s.observer!;
  const watch = s.watch!;
  const step = STORY[n - 1]!;
  const broke = watch.ends.find((e) => e.at >= t0 && e.at < t1);
  const moved = watch.events.find((e) => e.at >= t0 && e.server !== watchBefore);
  return {
    n,
    ...text,
    startedAt: t0,
    durationMs: t1 - t0,
    detections: step.expect.map((e) => {
      const node = s.nodes[e.server]!;
      const c = obs.changeAfter(node.address, e.to, t0);
      return { node: node.node, to: e.to, afterMs: c ? c.at - t0 : null, reason: c?.reason };
    }),
    watch: {
      before: s.nodeOf(watchBefore),
      after: s.nodeOf(watch.server),
      brokeAfterMs: broke ? broke.at - t0 : null,
      movedAfterMs: moved && moved.at < t1 ? moved.at - t0 : null,
    },
    requests: requestStats(
      s.traffic!.records.filter((r) => r.at >= t0 && r.at < t1),
      (a) => s.nodeOf(a),
      (at) => obs.healthyAt(at),
    ),
    panicMs: obs.panicMs(t0, t1),
    actions: obs.actions
      .filter((a) => a.at >= t0 && a.at < t1)
      .map((a) => ({ afterMs: a.at - t0, text: s.named(a.text) })),
  };
}
