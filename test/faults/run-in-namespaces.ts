/**
 * The root-namespace side of the fault suite and the soak: build the topology, run a
 * driver inside its worker namespace, read the driver's last stdout line as JSON,
 * and remove the namespaces whatever happened.
 */
import { spawn } from 'node:child_process';
import { createTopology, destroyTopology, type Topology } from './topology.js';

export async function runInNamespaces<T>(
  tag: string,
  driver: string,
  args: string[],
  timeoutMs: number,
  onStderr: (chunk: string) => void = (c) => process.stderr.write(c),
): Promise<T> {
  const topology: Topology = createTopology(tag);
  try {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        topology.worker,
        process.execPath,
        driver,
        '--cps',
        topology.controlPlanes.join(','),
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      err += c;
      onStderr(c);
    });
    let why = 'was killed';
    const timer = setTimeout(() => {
      why = `ran over ${timeoutMs} ms`;
      child.kill('SIGKILL');
    }, timeoutMs);
    // Ctrl-C or a SIGTERM: stop the driver, then the finally below removes the namespaces.
    const stop = (signal: NodeJS.Signals) => {
      why = `was stopped (${signal})`;
      child.kill('SIGKILL');
    };
    process.once('SIGINT', stop).once('SIGTERM', stop);
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    clearTimeout(timer);
    process.off('SIGINT', stop).off('SIGTERM', stop);
    if (code !== 0)
      throw new Error(
        `${tag}: driver ${code === null ? why : `exited ${code}`}:\n${err.slice(-4000)}`,
      );
    return JSON.parse(out.trim().split('\n').pop()!) as T;
  } finally {
    destroyTopology(topology);
  }
}
