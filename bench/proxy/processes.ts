/**
 * Every process the proxy benchmark starts goes through here: each runs in its own
 * process group (so nginx's workers and wrk die with it), is remembered, and is
 * stopped on normal exit, on an error, and on Ctrl-C / SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

export interface Started {
  name: string;
  pid: number;
  child: ChildProcess;
  logFile: string;
  /** Resolves with the exit code (or signal name) once the process is gone. */
  exited: Promise<string>;
}

const running = new Set<Started>();
let handlersInstalled = false;

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const onSignal = (sig: NodeJS.Signals) => {
    console.error(`\nbench proxy: ${sig}, stopping ${running.size} process(es) it started`);
    killAllNow();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Last resort: a thrown error or process.exit() still takes the groups down.
  process.once('exit', killAllNow);
}

/** SIGKILL to every process group still running; synchronous, for exit paths. */
export function killAllNow(): void {
  for (const p of running) {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}

export interface StartOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr go here (kept for the report when something fails). */
  logFile: string;
}

export function startProcess(
  name: string,
  cmd: string,
  args: string[],
  opts: StartOptions,
): Started {
  installHandlers();
  const fd = openSync(opts.logFile, 'a');
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true, // own process group: kill(-pid) reaches every descendant
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  const started: Started = {
    name,
    pid: child.pid,
    child,
    logFile: opts.logFile,
    exited: new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(started);
        resolve(signal ?? String(code));
      });
      child.once('error', (err) => {
        running.delete(started);
        resolve(`error: ${err.message}`);
      });
    }),
  };
  running.add(started);
  return started;
}

export function isRunning(p: Started): boolean {
  return running.has(p);
}

/** SIGTERM to the group, SIGKILL after graceMs; resolves when the leader is gone. */
export async function stopProcess(p: Started, graceMs = 3000): Promise<void> {
  if (!running.has(p)) return;
  try {
    process.kill(-p.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }, graceMs);
  await p.exited;
  clearTimeout(timer);
  // Workers may outlive a killed master for a moment; the group kill covers them.
  try {
    process.kill(-p.pid, 'SIGKILL');
  } catch {
    // none left
  }
}

/** Runs a command to completion in its own group (wrk); output captured. */
export async function runToEnd(
  name: string,
  cmd: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: string; stdout: string; stderr: string }> {
  installHandlers();
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${cmd}`);
  const entry: Started = {
    name,
    pid: child.pid,
    child,
    logFile: '',
    exited: Promise.resolve(''),
  };
  running.add(entry);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // finished meanwhile
    }
  }, timeoutMs);
  const code = await new Promise<string>((resolve) => {
    child.once('close', (c, s) => resolve(s ?? String(c)));
    child.once('error', (e) => resolve(`error: ${e.message}`));
  });
  clearTimeout(timer);
  running.delete(entry);
  return { code, stdout, stderr };
}

/** Waits until host:port accepts a TCP connection, or throws with the log's tail. */
export async function waitForPort(
  p: Started,
  host: string,
  port: number,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!running.has(p)) throw new Error(`${p.name} exited during start-up:\n${tail(p.logFile)}`);
    if (await canConnect(host, port)) return;
    if (Date.now() > deadline)
      throw new Error(`${p.name} not listening on ${host}:${port}:\n${tail(p.logFile)}`);
    await sleep(50);
  }
}

export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.setTimeout(1000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

export function tail(file: string, chars = 1500): string {
  try {
    const t = readFileSync(file, 'utf8');
    return t.slice(-chars);
  } catch {
    return '(no log)';
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A port nobody listens on right now, on the given loopback address. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ host, port: 0 }, () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}
