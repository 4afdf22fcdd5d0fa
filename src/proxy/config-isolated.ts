/**
 * Loading the configuration without keeping its loader. Parsing YAML and
 * validating with zod is done once at start and once per reload, yet importing
 * `yaml` and `zod` (and building the schema) keeps about 12 MB of heap in a
 * process for good: a quarter of what an idle proxy holds (`npm run bench --
 * memory`). So a short-lived child process loads it and exits; the long-running
 * proxy never loads either. (A worker thread was tried first: its malloc arena
 * stays behind, and the proxy came out 3 MB larger, not smaller.)
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KubehaError } from '../shared/errors.js';
import type { ProxyConfig } from './config-schema.js';
import type { RawConfig } from './config.js';
import type { KubeconfigCredentials } from './kubeconfig.js';

const ENTRY = fileURLToPath(new URL('./config-worker.js', import.meta.url));

interface PlainError {
  code: string;
  message: string;
  file?: string;
  line?: number;
  col?: number;
  hint?: string;
  exitCode?: number;
}

interface Reply {
  cfg?: ProxyConfig;
  kubeconfig?: KubeconfigCredentials;
  error?: PlainError & { also?: PlainError[] };
}

const toError = ({ code, message, ...where }: PlainError, also: KubehaError[] = []) =>
  new KubehaError(code, message, { ...where, also });

export async function loadProxyConfigIsolated(
  file: string | undefined,
  flags: RawConfig,
): Promise<ProxyConfig> {
  return (await ask({ file, flags })).cfg!;
}

/** The kubeconfig discovery uses, read in the same short-lived child (it needs `yaml`). */
export async function loadKubeconfigIsolated(path: string): Promise<KubeconfigCredentials> {
  return (await ask({ kubeconfig: path })).kubeconfig!;
}

function ask(message: object): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // execArgv: [] so flags such as --cpu-prof stay with the proxy (NODE_OPTIONS still applies).
    const child = fork(ENTRY, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [] });
    let settled = false;
    child.once('message', (r: Reply) => {
      settled = true;
      if (!r.error) resolve(r);
      else {
        const { also = [], ...first } = r.error;
        reject(
          toError(
            first,
            also.map((e) => toError(e)),
          ),
        );
      }
    });
    child.once('error', (err) => {
      if (!settled) reject(err);
      settled = true;
    });
    child.once('exit', (code, signal) => {
      if (!settled)
        reject(new KubehaError('E_CONFIG', `configuration loader exited (${signal ?? code})`));
      settled = true;
    });
    child.send(message);
  });
}
