/** The health check's CA and client certificate files, read when a configuration is applied. */
import { readFile } from 'node:fs/promises';
import { KubehaError } from '../shared/errors.js';
import type { ProxyConfig } from './config-schema.js';
import type { CheckTls } from './health-check.js';

export async function readCheckTls(cfg: ProxyConfig): Promise<CheckTls> {
  const hc = cfg.healthCheck;
  const read = async (key: string, path?: string) => {
    if (path === undefined) return undefined;
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      throw new KubehaError(
        'E_CONFIG_FILE',
        `healthCheck.${key}: cannot read ${path}: ${(err as Error).message}`,
      );
    }
  };
  if ((hc.certFile === undefined) !== (hc.keyFile === undefined)) {
    throw new KubehaError(
      'E_CONFIG_INVALID',
      'healthCheck.certFile and healthCheck.keyFile go together',
    );
  }
  return {
    ca: await read('caFile', hc.caFile),
    cert: await read('certFile', hc.certFile),
    key: await read('keyFile', hc.keyFile),
    serverName: hc.serverName,
  };
}
