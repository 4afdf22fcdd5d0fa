/**
 * Parsers for the files node mode reads, pure over their text: kubeconfigs, the
 * local proxy's configuration (Kubespray's nginx.conf and haproxy.cfg templates,
 * kubeha's proxy.yaml) and containerd's cri-base.json. Each returns what check
 * compares, or an error string for a file that does not parse.
 */
import { parse } from 'yaml';

export interface KubeconfigInfo {
  server?: string;
  /** certificate-authority path, or the PEM of certificate-authority-data */
  caFile?: string;
  caData?: string;
  certFile?: string;
  keyFile?: string;
  certData?: string;
  keyData?: string;
  error?: string;
}

type Named<T> = { name?: string } & T;

export function parseKubeconfig(text: string): KubeconfigInfo {
  let doc: {
    'current-context'?: string;
    contexts?: Named<{ context?: { cluster?: string; user?: string } }>[];
    clusters?: Named<{ cluster?: Record<string, string> }>[];
    users?: Named<{ user?: Record<string, string> }>[];
  };
  try {
    doc = parse(text) ?? {};
  } catch (err) {
    return { error: `not YAML: ${(err as Error).message.split('\n')[0]}` };
  }
  const ctx = doc.contexts?.find((c) => c.name === doc['current-context'])?.context;
  const cluster = (doc.clusters?.find((c) => c.name === ctx?.cluster) ?? doc.clusters?.[0])
    ?.cluster;
  const user = (doc.users?.find((u) => u.name === ctx?.user) ?? doc.users?.[0])?.user;
  if (!cluster?.server) return { error: 'names no server' };
  const b64 = (s?: string) => (s ? Buffer.from(s, 'base64').toString() : undefined);
  return {
    server: cluster.server,
    caFile: cluster['certificate-authority'],
    caData: b64(cluster['certificate-authority-data']),
    certFile: user?.['client-certificate'],
    keyFile: user?.['client-key'],
    certData: b64(user?.['client-certificate-data']),
    keyData: b64(user?.['client-key-data']),
  };
}

export interface ProxyConfigInfo {
  kind: 'nginx' | 'haproxy' | 'kubeha';
  file: string;
  listen: string[];
  upstreams: string[];
  /** the health listener: nginx/haproxy `/healthz`, kubeha's admin `/readyz` */
  healthUrl?: string;
  /** nginx worker_rlimit_nofile */
  rlimitNofile?: number;
  error?: string;
}

/** Kubespray's nginx.conf.j2: stream upstream kube_apiserver, its listen, the http health server. */
export function parseNginxConf(text: string, file: string): ProxyConfigInfo {
  const httpAt = text.search(/^http\s*\{/m);
  const stream = httpAt >= 0 ? text.slice(0, httpAt) : text;
  const http = httpAt >= 0 ? text.slice(httpAt) : '';
  const rlimit = /^\s*worker_rlimit_nofile\s+(\d+)\s*;/m.exec(text)?.[1];
  const health = /listen\s+(?:\[::\]:|[\d.]*:)?(\d+)\s*;/.exec(http)?.[1];
  return {
    kind: 'nginx',
    file,
    listen: [...stream.matchAll(/^\s*listen\s+([^\s;]+)\s*;/gm)].map((m) => m[1]!),
    upstreams: [...stream.matchAll(/^\s*server\s+([^\s;{]+)[^;{]*;/gm)].map((m) => m[1]!),
    healthUrl: health ? `http://127.0.0.1:${health}/healthz` : undefined,
    rlimitNofile: rlimit ? Number(rlimit) : undefined,
  };
}

/** Kubespray's haproxy.cfg.j2: frontend kube_api_frontend's bind, backend servers, frontend healthz. */
export function parseHaproxyCfg(text: string, file: string): ProxyConfigInfo {
  const sections = text.split(/^(?=\S)/m);
  const section = (re: RegExp) => sections.find((s) => re.test(s.split('\n')[0]!)) ?? '';
  const binds = (s: string) => [...s.matchAll(/^\s*bind\s+(\S+)/gm)].map((m) => m[1]!);
  const health = binds(section(/^frontend\s+healthz/))[0]
    ?.split(':')
    .pop();
  return {
    kind: 'haproxy',
    file,
    listen: binds(section(/^frontend\s+kube_api_frontend/)),
    upstreams: [...section(/^backend\s+/).matchAll(/^\s*server\s+\S+\s+(\S+)/gm)].map((m) => m[1]!),
    healthUrl: health ? `http://127.0.0.1:${health}/healthz` : undefined,
  };
}

/** kubeha's proxy.yaml: listen (string or list), upstreams, admin. */
export function parseKubehaConfig(text: string, file: string): ProxyConfigInfo {
  let doc: { listen?: string | string[]; upstreams?: string[]; admin?: string };
  try {
    doc = parse(text) ?? {};
  } catch (err) {
    return {
      kind: 'kubeha',
      file,
      listen: [],
      upstreams: [],
      error: `not YAML: ${(err as Error).message.split('\n')[0]}`,
    };
  }
  const listen = doc.listen === undefined ? ['127.0.0.1:6443'] : [doc.listen].flat();
  const admin = doc.admin ?? '127.0.0.1:8081';
  return {
    kind: 'kubeha',
    file,
    listen,
    upstreams: doc.upstreams ?? [],
    healthUrl: admin === 'off' ? undefined : `http://${admin}/readyz`,
  };
}

export interface RlimitInfo {
  /** undefined: containerd sets no RLIMIT_NOFILE (the process inherits the runtime's) */
  hard?: number;
  soft?: number;
  error?: string;
}

/** process.rlimits of containerd's base OCI spec (/etc/containerd/cri-base.json). */
export function parseCriBase(text: string): RlimitInfo {
  let spec: { process?: { rlimits?: { type?: string; hard?: number; soft?: number }[] } };
  try {
    spec = JSON.parse(text);
  } catch (err) {
    return { error: `not JSON: ${(err as Error).message}` };
  }
  const r = spec.process?.rlimits?.find((x) => x.type === 'RLIMIT_NOFILE');
  return r ? { hard: r.hard, soft: r.soft } : {};
}
