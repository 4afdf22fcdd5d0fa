import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

const run = promisify(execFile);

/** Repository root, from dist/test/helpers/ansible.js. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const KUBEHA_BIN = join(REPO_ROOT, 'bin', 'kubeha');

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCommand(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<Ran> {
  try {
    const r = await run(cmd, args, {
      cwd,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 120_000,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw err;
    return {
      code: typeof e.code === 'number' ? e.code : 1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    };
  }
}

export function kubeha(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return runCommand(process.execPath, [KUBEHA_BIN, ...args], cwd, env);
}

/** ansible-inventory with a clean, deterministic environment (no user config, no colour). */
export function ansibleInventory(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<Ran> {
  return runCommand('ansible-inventory', args, cwd, {
    ANSIBLE_CONFIG: '/nonexistent/ansible.cfg',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_LOCALHOST_WARNING: 'False',
    PYTHONHASHSEED: '0',
    ...env,
  });
}

let available: boolean | undefined;
export async function haveAnsible(): Promise<boolean> {
  if (available === undefined) {
    try {
      await run('ansible-inventory', ['--version']);
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

/** Runs `fn` over `items` with at most `limit` in flight (the machine has 2 cores). */
export async function mapLimit<T, R>(
  items: T[],
  limit: number,
  fn: (x: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
