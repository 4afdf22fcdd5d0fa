/**
 * The health check's CA and client certificate files. Read when a configuration
 * is applied, and again every TLS_REFRESH_MS, because on a node they change under
 * a running proxy: the kubelet rotates kubelet-client-current.pem, and on a node
 * that has not joined yet neither the certificate nor (before kubeadm join) the
 * cluster CA exists. A missing file is therefore not fatal: checks go on without
 * it (an API server that refuses anonymous requests answers 401, which counts as
 * alive) and it is picked up when it appears. Any other read error is fatal.
 */
import { readFile } from 'node:fs/promises';
import { KubehaError } from '../shared/errors.js';
import type { ProxyConfig } from './config-schema.js';
import type { CheckTls } from './health-check.js';

export const TLS_REFRESH_MS = 10_000;

export interface CheckTlsFiles {
  tls: CheckTls;
  /** Configured files that do not exist (yet), by key: "caFile", "certFile". */
  missing: string[];
}

const KEYS = ['caFile', 'certFile', 'keyFile'];

export async function readCheckTls(cfg: ProxyConfig): Promise<CheckTlsFiles> {
  const hc = cfg.healthCheck;
  const missing: string[] = [];
  const read = async (key: string, path?: string) => {
    if (path === undefined) return undefined;
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        missing.push(key);
        return undefined;
      }
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
  const [ca, cert, key] = await Promise.all([
    read('caFile', hc.caFile),
    read('certFile', hc.certFile),
    read('keyFile', hc.keyFile),
  ]);
  // Half a key pair is no key pair (the kubelet writes both into one file anyway).
  const pair = cert !== undefined && key !== undefined;
  return {
    tls: {
      ca,
      cert: pair ? cert : undefined,
      key: pair ? key : undefined,
      serverName: hc.serverName,
    },
    // In the configuration's order, not the order the reads failed in (the log names them).
    missing: KEYS.filter((k) => missing.includes(k)),
  };
}

/** What changed between two reads, for the log. */
export function tlsChanges(before: CheckTlsFiles, after: CheckTlsFiles): string[] {
  const out: string[] = [];
  for (const k of ['ca', 'cert', 'key'] as const)
    if (before.tls[k] !== after.tls[k])
      out.push(k === 'ca' ? 'caFile' : k === 'cert' ? 'certFile' : 'keyFile');
  return out;
}
