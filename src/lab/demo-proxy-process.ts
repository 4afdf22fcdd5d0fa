/**
 * `kubeha proxy` as the demo runs it: a real child process (bin/kubeha on this
 * Node), its JSON log lines read as they come, its end noticed. The demo never
 * loads the proxy in-process: what it shows is what the command does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { KubehaError } from '../shared/errors.js';

export const KUBEHA_BIN = fileURLToPath(new URL('../../../bin/kubeha', import.meta.url));

/** One pino line of the proxy: time (ISO), level, msg and fields. */
export interface ProxyLogLine {
  time: string;
  level: number;
  msg: string;
  [k: string]: unknown;
}

export interface ProxyProcessEvents {
  log(line: ProxyLogLine): void;
  /** The process ended without being asked to. */
  exited(why: string): void;
}

export class ProxyProcess {
  private readonly child: ChildProcess;
  private stopping = false;
  private readonly stderrTail: string[] = [];
  private readonly ended: Promise<void>;
  private servingResolve!: () => void;
  private servingReject!: (err: Error) => void;
  /** Settles when the proxy logs that it serves, or rejects when it ends first. */
  readonly serving = new Promise<void>((resolve, reject) => {
    this.servingResolve = resolve;
    this.servingReject = reject;
  });

  constructor(configFile: string, events: ProxyProcessEvents) {
    this.child = spawn(process.execPath, [KUBEHA_BIN, 'proxy', '--config', configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (text) => {
      let line: ProxyLogLine;
      try {
        line = JSON.parse(text) as ProxyLogLine;
      } catch {
        return; // not a log line: nothing the demo reads
      }
      if (line.msg.startsWith('kubeha proxy serving')) this.servingResolve();
      events.log(line);
    });
    createInterface({ input: this.child.stderr! }).on('line', (text) => {
      this.stderrTail.push(text);
      if (this.stderrTail.length > 5) this.stderrTail.shift();
    });
    this.ended = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        const last = this.stderrTail.at(-1);
        const why = `kubeha proxy (pid ${this.pid}) exited ${signal ? `on ${signal}` : `with code ${code}`}${last ? `: ${last}` : ''}`;
        this.servingReject(new KubehaError('E_DEMO_PROXY', why));
        if (!this.stopping) events.exited(why);
        resolve();
      });
    });
    this.child.once('error', (err) => {
      const why = `cannot run kubeha proxy: ${err.message}`;
      this.servingReject(new KubehaError('E_DEMO_PROXY', why));
      if (!this.stopping) events.exited(why);
    });
    this.serving.catch(() => {}); // read by whoever waits for it; the end is reported anyway
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get running(): boolean {
    // no pid: the spawn itself failed, and no 'exit' will come
    return (
      this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** SIGTERM (the proxy drains, then exits), SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.ended;
    clearTimeout(timer);
  }

  /** For process 'exit' handlers, which cannot wait: the child must not outlive the demo. */
  killNow(): void {
    this.stopping = true;
    if (this.running) this.child.kill('SIGKILL');
  }
}
