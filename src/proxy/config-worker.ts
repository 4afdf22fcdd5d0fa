/**
 * Entry point of the short-lived process that loads the proxy configuration (see
 * config-isolated.ts): YAML and zod are loaded here, in a process that exits after
 * one answer, not in the long-running proxy.
 */
import { isKubehaError } from '../shared/errors.js';
import { loadProxyConfig, type RawConfig } from './config.js';

const reply = (m: object) => process.send!(m, () => process.disconnect());

process.once('message', ({ file, flags }: { file?: string; flags: RawConfig }) => {
  loadProxyConfig(file, flags).then(
    (cfg) => reply({ cfg }),
    (err: unknown) =>
      reply({
        error: isKubehaError(err)
          ? {
              code: err.code,
              message: err.message,
              file: err.file,
              line: err.line,
              col: err.col,
              hint: err.hint,
              exitCode: err.exitCode,
            }
          : { code: 'E_CONFIG', message: err instanceof Error ? err.message : String(err) },
      }),
  );
});
