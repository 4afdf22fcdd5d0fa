/**
 * Where discovery sends its requests and who it says it is. Requests go through
 * the proxy's own listener (the first `listen` address, a wildcard one read as
 * loopback), so they fail over like every other client on the node; they verify
 * the server against the kubeconfig's CA and server name (its `tls-server-name`,
 * else the host of its `server:`, `localhost` in Kubespray's kubelet.conf), and
 * present its client certificate. Without `discovery.kubeconfig` the health
 * check's files are used. The kubeconfig is parsed in the configuration child (it
 * takes `yaml`), again whenever its size or time changes (kubeadm join writes it);
 * the PEM files it names are read at every connection, so the kubelet's
 * certificate rotation is followed.
 */
import { stat, readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { parseHostPort, type HostPort } from '../shared/address.js';
import { formatError, isKubehaError } from '../shared/errors.js';
import type { ProxyConfig } from './config-schema.js';
import { loadKubeconfigIsolated } from './config-isolated.js';
import type { FileOrData, KubeconfigCredentials } from './kubeconfig.js';

export interface ApiTarget extends HostPort {
  ca: string;
  cert?: string;
  key?: string;
  /** SNI: the verified name when it is a DNS name */
  servername?: string;
  /** the name or address the server certificate must carry */
  verifyName: string;
  checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined;
}

/** The proxy's first listen address (as bound, where known) as a client reaches it. */
export function ownListener(cfg: ProxyConfig, bound?: string): HostPort {
  const l = parseHostPort(bound ?? cfg.listen[0]!);
  if (l.host === '0.0.0.0' || l.host === '') return { host: '127.0.0.1', port: l.port };
  if (l.host === '::') return { host: '::1', port: l.port };
  return l;
}

/** Pure: the name to verify and, when it is a DNS name, to send as SNI. */
export function serverIdentity(
  kube: KubeconfigCredentials | undefined,
  cfg: ProxyConfig,
  bound?: string,
): { verifyName: string; servername?: string } {
  const verifyName =
    kube?.tlsServerName ??
    (kube ? new URL(kube.server).hostname.replace(/^\[|\]$/g, '') : undefined) ??
    cfg.healthCheck.serverName ??
    ownListener(cfg, bound).host;
  return { verifyName, ...(isIP(verifyName) === 0 ? { servername: verifyName } : {}) };
}

const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

async function pem(
  what: string,
  src: FileOrData | string | undefined,
): Promise<string | undefined> {
  if (src === undefined) return undefined;
  if (typeof src === 'object' && 'data' in src) return src.data;
  const file = typeof src === 'string' ? src : src.file;
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(
      missing(err)
        ? `waiting for ${what} ${file}: not there (yet)`
        : `cannot read ${what} ${file}: ${(err as Error).message}`,
    );
  }
}

export class DiscoveryCredentials {
  private kube?: KubeconfigCredentials;
  private seen = '';

  /** The kubeconfig in use, re-read when the file changed; undefined without one. */
  private async kubeconfig(cfg: ProxyConfig): Promise<KubeconfigCredentials | undefined> {
    const path = cfg.discovery.kubeconfig;
    if (path === undefined) return undefined;
    let st;
    try {
      st = await stat(path);
    } catch (err) {
      throw new Error(
        missing(err)
          ? `waiting for discovery.kubeconfig ${path}: not there (yet)`
          : `cannot read discovery.kubeconfig ${path}: ${(err as Error).message}`,
      );
    }
    const stamp = `${path}:${st.size}:${st.mtimeMs}`;
    if (this.kube === undefined || stamp !== this.seen) {
      try {
        this.kube = await loadKubeconfigIsolated(path);
      } catch (err) {
        // file:line in the log line; the old credentials are not used either
        this.kube = undefined;
        throw new Error(isKubehaError(err) ? formatError(err) : (err as Error).message);
      }
      this.seen = stamp;
    }
    return this.kube;
  }

  async target(cfg: ProxyConfig, bound?: string): Promise<ApiTarget> {
    const kube = await this.kubeconfig(cfg);
    const hc = cfg.healthCheck;
    const [ca, cert, key] = await Promise.all([
      pem(kube ? 'the kubeconfig CA' : 'healthCheck.caFile', kube ? kube.ca : hc.caFile),
      pem('the client certificate', kube ? kube.cert : hc.certFile),
      pem('the client key', kube ? kube.key : hc.keyFile),
    ]);
    if (ca === undefined) throw new Error('no CA: an unverified endpoint list is not followed');
    const id = serverIdentity(kube, cfg, bound);
    return {
      ...ownListener(cfg, bound),
      ca,
      ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
      ...id,
      checkServerIdentity: (_host, peer) => checkServerIdentity(id.verifyName, peer),
    };
  }
}
