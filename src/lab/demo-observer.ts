/**
 * What the demo knows about the proxy: its /status, polled on the admin
 * endpoint every POLL_MS (health, connections, each upstream's health changes
 * with the proxy's own timestamps), and the actions its log reports (health
 * changes, connections closed, panic mode), which the demo shows as "what
 * kubeha did".
 */
import { Agent, get } from 'node:http';
import type { StatusReport } from '../proxy/daemon-report.js';
import type { ProxyLogLine } from './demo-proxy-process.js';

export const POLL_MS = 100;

export interface KubehaAction {
  at: number;
  /** The proxy's own words, addresses unchanged (the view names the nodes). */
  text: string;
  kind: 'health' | 'closed' | 'panic' | 'other';
}

/** Which of the proxy's log lines are actions worth showing, and of what kind. */
export function actionOf(line: ProxyLogLine): KubehaAction | undefined {
  const at = Date.parse(line.time);
  const m = line.msg;
  if (/^upstream \S+ \w+ -> \w+:/.test(m)) return { at, text: m, kind: 'health' };
  if (m.startsWith('closed ') && m.includes('unhealthy upstream'))
    return { at, text: m, kind: 'closed' };
  if (m.startsWith('panic mode')) return { at, text: m, kind: 'panic' };
  if (line.level >= 50) return { at, text: m, kind: 'other' };
  return undefined;
}

/** Panic mode's on and off times, from the log. */
export interface PanicSpan {
  from: number;
  to?: number;
}

export class ProxyObserver {
  latest?: StatusReport;
  readonly actions: KubehaAction[] = [];
  readonly panics: PanicSpan[] = [];
  /** Times at which a poll saw no healthy upstream (for "failed while one was healthy"). */
  private readonly samples: { at: number; healthy: number }[] = [];
  private timer?: NodeJS.Timeout;
  private running = false;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  pollErrors = 0;

  constructor(private readonly admin: string) {}

  onLog(line: ProxyLogLine): void {
    const a = actionOf(line);
    if (!a) return;
    this.actions.push(a);
    if (a.kind !== 'panic') return;
    if (a.text.startsWith('panic mode over')) {
      const open = this.panics.at(-1);
      if (open && open.to === undefined) open.to = a.at;
    } else this.panics.push({ from: a.at });
  }

  start(): void {
    this.running = true;
    const next = () => {
      // a poll under way when stop() came must not schedule another
      if (this.running) this.timer = setTimeout(tick, POLL_MS);
    };
    const tick = () => {
      this.poll().then(next, () => {
        this.pollErrors++;
        next();
      });
    };
    tick();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.agent.destroy();
  }

  /** Fetches /status once (also used to wait for a state). */
  poll(): Promise<StatusReport> {
    return new Promise((resolve, reject) => {
      const req = get(
        `http://${this.admin}/status`,
        { agent: this.agent, timeout: 2000 },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => {
            try {
              const st = JSON.parse(body) as StatusReport;
              this.latest = st;
              this.samples.push({
                at: Date.now(),
                healthy: st.upstreams.filter((u) => u.health === 'healthy').length,
              });
              resolve(st);
            } catch (err) {
              reject(err as Error);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('admin endpoint did not answer')));
      req.on('error', reject);
    });
  }

  /** Whether the proxy had a healthy upstream at `at`, by the nearest poll before it. */
  healthyAt(at: number): boolean {
    let best: { at: number; healthy: number } | undefined;
    for (const s of this.samples) {
      if (s.at > at) break;
      best = s;
    }
    return (best?.healthy ?? 0) > 0;
  }

  /** The first health change of `address` to `to` at or after `since`, by the proxy's clock. */
  changeAfter(
    address: string,
    to: string,
    since: number,
  ): { at: number; reason: string } | undefined {
    const u = this.latest?.upstreams.find((x) => x.address === address);
    const c = u?.recentChanges.find((h) => h.to === to && Date.parse(h.at) >= since);
    return c && { at: Date.parse(c.at), reason: c.reason };
  }

  /** Panic time within [from, to). */
  panicMs(from: number, to: number): number {
    let ms = 0;
    for (const p of this.panics) {
      const a = Math.max(p.from, from);
      const b = Math.min(p.to ?? to, to);
      if (b > a) ms += b - a;
    }
    return ms;
  }
}
