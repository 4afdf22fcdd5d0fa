import { createHash } from 'node:crypto';

/**
 * Static pod manifests for Kubespray's local proxy, byte for byte what Ansible
 * renders from roles/kubernetes/node/templates/manifests/nginx-proxy.manifest.j2
 * and haproxy.manifest.j2. The checksum annotation is the `checksum` the
 * template module registers for the config file: SHA-1 of its content.
 */
export interface ProxyManifestInput {
  type: 'nginx' | 'haproxy';
  podName: string;
  image: string;
  pullPolicy: string;
  cpuRequests: string;
  memoryRequests: string;
  healthPort?: number;
  /** nginx_config_dir / haproxy_config_dir on the host */
  configDir: string;
  /** the rendered nginx.conf / haproxy.cfg, for the checksum */
  config: string;
}

export function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

export function renderProxyManifest(i: ProxyManifestInput): string {
  const nginx = i.type === 'nginx';
  const probes =
    i.healthPort === undefined
      ? ''
      : `    livenessProbe:\n` +
        `      httpGet:\n` +
        `        path: /healthz\n` +
        `        port: ${i.healthPort}\n` +
        `    readinessProbe:\n` +
        `      httpGet:\n` +
        `        path: /healthz\n` +
        `        port: ${i.healthPort}\n`;
  return (
    `apiVersion: v1\n` +
    `kind: Pod\n` +
    `metadata:\n` +
    `  name: ${i.podName}\n` +
    `  namespace: kube-system\n` +
    `  labels:\n` +
    `    addonmanager.kubernetes.io/mode: Reconcile\n` +
    `    k8s-app: ${nginx ? 'kube-nginx' : 'kube-haproxy'}\n` +
    `  annotations:\n` +
    `    ${nginx ? 'nginx' : 'haproxy'}-cfg-checksum: "${sha1(i.config)}"\n` +
    `spec:\n` +
    `  hostNetwork: true\n` +
    `  dnsPolicy: ClusterFirstWithHostNet\n` +
    `  nodeSelector:\n` +
    `    kubernetes.io/os: linux\n` +
    `  priorityClassName: system-node-critical\n` +
    `  containers:\n` +
    `  - name: ${nginx ? 'nginx-proxy' : 'haproxy'}\n` +
    `    image: ${i.image}\n` +
    `    imagePullPolicy: ${i.pullPolicy}\n` +
    `    resources:\n` +
    `      requests:\n` +
    `        cpu: ${i.cpuRequests}\n` +
    `        memory: ${i.memoryRequests}\n` +
    probes +
    `    volumeMounts:\n` +
    `    - mountPath: ${nginx ? '/etc/nginx' : '/usr/local/etc/haproxy/'}\n` +
    `      name: ${nginx ? 'etc-nginx' : 'etc-haproxy'}\n` +
    `      readOnly: true\n` +
    `  volumes:\n` +
    `  - name: ${nginx ? 'etc-nginx' : 'etc-haproxy'}\n` +
    `    hostPath:\n` +
    `      path: ${i.configDir}\n`
  );
}
