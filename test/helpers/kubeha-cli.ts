/** `kubeha …` run from the checkout as a user runs it, synchronously: exit code, stdout, stderr. */
import { execFile, spawnSync } from 'node:child_process';
import { REPO_ROOT, KUBEHA_BIN } from './ansible.js';

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

export function kubehaCli(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [KUBEHA_BIN, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    cwd: REPO_ROOT,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The same, without blocking the event loop: for runs against servers in this process (the lab). */
export function kubehaCliAsync(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [KUBEHA_BIN, ...args],
      { encoding: 'utf8', timeout: 60_000, cwd: REPO_ROOT },
      (err, out, errText) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, out, err: errText });
      },
    );
  });
}
