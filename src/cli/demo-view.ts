/**
 * How `kubeha demo` looks. Every mode prints the same permanent lines (setup,
 * each step, what kubeha did, each step's numbers). On a terminal a live block
 * under them is redrawn a few times a second: per-upstream health, connections
 * and request rate, the traffic, the watch, and the latest actions. Without a
 * terminal (CI, pipes) there is no block and no control code.
 */
import type { DemoSession } from '../lab/demo-session.js';
import type { KubehaAction } from '../lab/demo-observer.js';
import { STORY, type StepResult } from '../lab/demo-story.js';
import { seconds, stepLines } from '../lab/demo-summary.js';
import { DEMO_INVENTORY_NAME } from '../lab/demo-plan.js';

const FRAME_MS = 200;
const ESC = '\x1b[';

export class DemoView {
  private block = 0;
  private readonly began = Date.now();
  private readonly early: string[] = [];
  private timer?: NodeJS.Timeout;
  private session?: DemoSession;
  private step?: { n: number; title: string; t0: number };

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly live: boolean,
  ) {}

  /** A permanent line (the live block is redrawn under it). */
  line(text: string): void {
    this.clearBlock();
    this.out.write(`${text}\n`);
    this.drawBlock();
  }

  setup(s: DemoSession): void {
    const p = s.plan;
    this.line(
      `  plan: ${DEMO_INVENTORY_NAME} is ${p.plan.pattern.name}; ${p.host.name} runs kubeha proxy in place of nginx-proxy`,
    );
    for (const n of s.nodes) this.line(`  ${n.node}  ${n.planned} -> lab API server ${n.address}`);
    this.line(
      `  kubeha proxy (pid ${s.proxy!.pid}) listens on ${s.listen} as on ${p.host.name}'s 127.0.0.1:6443; status page ${s.statusUrl}`,
    );
    this.line(
      `  the kubelet's watch is on ${s.nodeOf(s.watch!.server)}; steady traffic: ${s.traffic!.clients} clients through kubeha`,
    );
    this.session = s;
    for (const l of this.early.splice(0)) this.line(l);
    if (this.live) this.timer = setInterval(() => this.redraw(), FRAME_MS);
  }

  stepStarted(n: number, title: string): void {
    this.step = { n, title, t0: Date.now() };
    this.line('');
    this.line(`step ${n}/${STORY.length}: ${title}`);
  }

  action(a: KubehaAction, named: (text: string) => string): void {
    const text = `  +${seconds(a.at - (this.step?.t0 ?? this.began))}  kubeha: ${named(a.text)}`;
    // during setup, after the lines that say what was set up
    if (this.session) this.line(text);
    else this.early.push(text);
  }

  stepDone(r: StepResult): void {
    for (const l of stepLines(r)) this.line(l);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.clearBlock();
  }

  private redraw(): void {
    this.clearBlock();
    this.drawBlock();
  }

  private clearBlock(): void {
    if (this.block === 0) return;
    this.out.write(`${ESC}${this.block}A${ESC}J`);
    this.block = 0;
  }

  private drawBlock(): void {
    if (!this.timer || !this.session) return;
    const lines = liveBlock(this.session, this.step);
    this.out.write(`${lines.join('\n')}\n`);
    this.block = lines.length;
  }
}

const paint = (health: string) =>
  health === 'healthy'
    ? `${ESC}32m${health.padEnd(9)}${ESC}0m`
    : health === 'unhealthy'
      ? `${ESC}31m${health.padEnd(9)}${ESC}0m`
      : health.padEnd(9);

function liveBlock(s: DemoSession, step: { n: number; title: string; t0: number } | undefined) {
  const st = s.observer?.latest;
  const recent = s.traffic?.recent(1000) ?? { byServer: new Map<string, number>(), failed: 0 };
  const lines = [
    `${ESC}2m── live ${step ? `step ${step.n}/${STORY.length} +${seconds(Date.now() - step.t0)}` : ''} ──${ESC}0m`,
  ];
  for (const n of s.nodes) {
    const u = st?.upstreams.find((x) => x.address === n.address);
    const check = u?.lastCheck
      ? `check ${u.lastCheck.ok ? 'ok' : 'failed'} ${u.lastCheck.latencyMs.toFixed(0).padStart(4)} ms`
      : 'no check yet';
    lines.push(
      `  ${n.node.padEnd(10)} ${paint(u?.health ?? '?')} ${check.padEnd(20)} ${String(u?.activeConnections ?? 0).padStart(3)} conns ${String(recent.byServer.get(n.address) ?? 0).padStart(4)} req/s${s.watch?.server === n.address ? '  <- watch' : ''}`,
    );
  }
  const rec = s.traffic?.records ?? [];
  const failed = rec.filter((r) => !r.ok).length;
  const resent = rec.filter((r) => r.ok && r.retried).length;
  lines.push(
    `  ${rec.length} requests, ${failed} failed, ${resent} re-sent; watch: ${s.watch?.events.length ?? 0} events, ${s.watch?.ends.length ?? 0} restarts${st?.panic ? `; ${ESC}31mPANIC MODE${ESC}0m` : ''}`,
  );
  return lines;
}
