/**
 * Reading a kubeconfig (the kubelet's /etc/kubernetes/kubelet.conf) for discovery:
 * the current context's server, CA and client certificate, as client-go resolves
 * them (k8s.io/client-go/tools/clientcmd): relative paths are relative to the
 * kubeconfig's directory, `*-data` fields are base64 PEM, and a field given both
 * as a file and as data is an error. Only client-certificate authentication is
 * taken: it is what the kubelet uses, and discovery follows only a verified
 * server, so `insecure-skip-tls-verify` is refused.
 *
 * This module loads `yaml`: the proxy runs it in its short-lived configuration
 * child (config-isolated.ts), never in the long-running process.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, type Node, type YAMLMap } from 'yaml';
import { KubehaError } from '../shared/errors.js';

/** A PEM given as a file to read, or inline. */
export type FileOrData = { file: string } | { data: string };

export interface KubeconfigCredentials {
  /** the kubeconfig's path */
  file: string;
  context: string;
  server: string;
  /** tls-server-name of the cluster entry */
  tlsServerName?: string;
  ca: FileOrData;
  cert?: FileOrData;
  key?: FileOrData;
}

export async function loadKubeconfig(path: string): Promise<KubeconfigCredentials> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new KubehaError('E_KUBECONFIG', `cannot read ${path}: ${(err as Error).message}`);
  }
  return parseKubeconfig(text, path);
}

export function parseKubeconfig(text: string, file: string): KubeconfigCredentials {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const fail = (message: string, node?: unknown): never => {
    const range = (node as Node | undefined)?.range;
    throw new KubehaError('E_KUBECONFIG', message, {
      file,
      ...(range ? lines.linePos(range[0]) : {}),
    });
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new KubehaError('E_KUBECONFIG', e.message.split('\n')[0]!, {
      file,
      ...lines.linePos(e.pos[0]),
    });
  }
  const root = doc.contents;
  if (!isMap(root)) return fail('a kubeconfig is a mapping', root);
  const current = root.get('current-context', true) as Node | undefined;
  const contextName = scalarString(current);
  if (contextName === undefined || contextName === '')
    return fail('no current-context: discovery cannot tell which cluster and user to use', root);
  const context = named(root, 'contexts', 'context', contextName, fail, current);
  const clusterName = scalarString(context.get('cluster', true) as Node | undefined);
  const userName = scalarString(context.get('user', true) as Node | undefined);
  if (!clusterName) return fail(`context "${contextName}" names no cluster`, context);
  const cluster = named(root, 'clusters', 'cluster', clusterName, fail, context);
  const user = userName ? named(root, 'users', 'user', userName, fail, context) : undefined;

  const server = scalarString(cluster.get('server', true) as Node | undefined);
  if (!server) return fail(`cluster "${clusterName}" has no server`, cluster);
  if (!/^https:\/\//i.test(server))
    return fail(`cluster "${clusterName}": server ${server} is not https`, cluster);
  if (cluster.get('insecure-skip-tls-verify') === true)
    return fail(
      `cluster "${clusterName}" sets insecure-skip-tls-verify: discovery follows only a verified API server`,
      cluster,
    );
  const base = dirname(resolve(file));
  const pem = (map: YAMLMap, fileKey: string, dataKey: string): FileOrData | undefined => {
    const f = scalarString(map.get(fileKey, true) as Node | undefined);
    const dataNode = map.get(dataKey, true) as Node | undefined;
    const d = scalarString(dataNode);
    if (f && d) return fail(`both ${fileKey} and ${dataKey} are given`, dataNode);
    if (f) return { file: isAbsolute(f) ? f : resolve(base, f) };
    if (d) {
      const decoded = Buffer.from(d, 'base64').toString('utf8');
      if (!decoded.includes('-----BEGIN '))
        return fail(`${dataKey} is not base64 of a PEM block`, dataNode);
      return { data: decoded };
    }
    return undefined;
  };
  const ca = pem(cluster, 'certificate-authority', 'certificate-authority-data');
  if (!ca)
    return fail(
      `cluster "${clusterName}" names no certificate-authority: discovery follows only a verified API server`,
      cluster,
    );
  const cert = user ? pem(user, 'client-certificate', 'client-certificate-data') : undefined;
  const key = user ? pem(user, 'client-key', 'client-key-data') : undefined;
  if ((cert === undefined) !== (key === undefined))
    return fail(
      `user "${userName}": a client certificate needs its key and the key its certificate`,
      user,
    );
  if (user && !cert && (user.has('token') || user.has('tokenFile') || user.has('exec')))
    return fail(
      `user "${userName}": only client-certificate authentication is supported (the kubelet's)`,
      user,
    );
  const tlsServerName = scalarString(cluster.get('tls-server-name', true) as Node | undefined);
  return {
    file,
    context: contextName,
    server,
    ...(tlsServerName ? { tlsServerName } : {}),
    ca,
    ...(cert && key ? { cert, key } : {}),
  };
}

function scalarString(node: Node | undefined): string | undefined {
  const v = (node as { value?: unknown } | undefined)?.value;
  return typeof v === 'string' ? v : undefined;
}

/** The `inner` map of the entry called `name` in the list `list` (contexts → context). */
function named(
  root: YAMLMap,
  list: string,
  inner: string,
  name: string,
  fail: (m: string, n?: unknown) => never,
  at: unknown,
): YAMLMap {
  const seq = root.get(list, true);
  const entries = isSeq(seq) ? seq.items : [];
  for (const e of entries) {
    if (!isMap(e) || e.get('name') !== name) continue;
    const m = e.get(inner, true);
    if (isMap(m)) return m;
    return fail(`${list} entry "${name}" has no ${inner} mapping`, e);
  }
  return fail(`no ${inner} named "${name}" in ${list}`, at);
}
