/**
 * Entry point of the short-lived process that loads the proxy configuration, or
 * the kubeconfig discovery uses (see config-isolated.ts): YAML and zod are loaded
 * here, in a process that exits after one answer, not in the long-running proxy.
 */
import { isKubehaError, type KubehaError } from '../shared/errors.js';
import { loadProxyConfig, type RawConfig } from './config.js';
import { loadKubeconfig } from './kubeconfig.js';

const reply = (m: object) => process.send!(m, () => process.disconnect());

const plain = (e: KubehaError) => ({
  code: e.code,
  message: e.message,
  file: e.file,
  line: e.line,
  col: e.col,
  hint: e.hint,
  exitCode: e.exitCode,
});

interface Ask {
  file?: string;
  flags?: RawConfig;
  kubeconfig?: string;
}

process.once('message', ({ file, flags, kubeconfig }: Ask) => {
  const work =
    kubeconfig !== undefined
      ? loadKubeconfig(kubeconfig).then((k) => ({ kubeconfig: k }))
      : loadProxyConfig(file, flags ?? {}).then((cfg) => ({ cfg }));
  work.then(reply, (err: unknown) =>
    reply({
      error: isKubehaError(err)
        ? { ...plain(err), also: err.also.map(plain) }
        : { code: 'E_CONFIG', message: err instanceof Error ? err.message : String(err) },
    }),
  );
});
