/** What the numbers were measured on: they mean little without the machine and versions. */
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { cpus, totalmem, loadavg, release } from 'node:os';
import { openFileLimits } from './proc-stats.js';

export interface MachineDescription {
  nproc: number;
  cpuModel: string;
  memoryMiB: number;
  kernel: string;
  loadAverageAtStart: number[];
  fdLimit: { soft: number; hard: number };
  versions: { node: string; nginx: string; haproxy: string; wrk: string; kubeha: string };
}

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 5000 });
  if (r.error) return `not installed (${cmd})`;
  // nginx -v prints to stderr.
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '';
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown';
}

export function describeMachine(): MachineDescription {
  let kubeha = 'unknown';
  try {
    kubeha = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
    const rev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
    if (rev.status === 0) kubeha += ` (${rev.stdout.trim()})`;
  } catch {
    // no package.json in cwd
  }
  return {
    nproc: cpus().length,
    cpuModel: cpuModel(),
    memoryMiB: Math.round(totalmem() / 2 ** 20),
    kernel: release(),
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    fdLimit: openFileLimits(),
    versions: {
      node: process.version,
      nginx: firstLine('nginx', ['-v']),
      haproxy: firstLine('haproxy', ['-v']),
      wrk: firstLine('wrk', ['--version']),
      kubeha,
    },
  };
}

/** Names the peers the machine lacks, with the command that installs them. */
export function missingTools(): string[] {
  const missing: string[] = [];
  for (const [cmd, args] of [
    ['nginx', ['-v']],
    ['haproxy', ['-v']],
    ['wrk', ['--version']],
  ] as const) {
    if (spawnSync(cmd, [...args]).error) missing.push(cmd);
  }
  try {
    readFileSync('/usr/lib/nginx/modules/ngx_stream_module.so');
  } catch {
    missing.push('libnginx-mod-stream');
  }
  return missing;
}
