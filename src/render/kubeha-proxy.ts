import { stringify } from 'yaml';
import type { PlanHost, PlanLocalProxy } from '../plan/plan-types.js';
import { ipwrap } from '../shared/address.js';
import { sha1 } from './proxy-manifests.js';

/**
 * The kubeha proxy in place of Kubespray's nginx-proxy/haproxy: its config
 * (etc/kubeha/proxy.yaml) and a static pod manifest. The admin endpoint (health,
 * metrics) binds loopback only — unlike Kubespray's health port on every
 * interface — and the probes say `host: 127.0.0.1` so kubelet reaches it.
 */
export const KUBEHA_IMAGE = 'ghcr.io/kubeha/kubeha';
export const KUBEHA_CONFIG_DIR = '/etc/kubeha';

export interface KubehaProxyFiles {
  config: string;
  manifest: string;
  adminPort: number;
}

export function renderKubehaProxy(
  host: PlanHost,
  proxy: PlanLocalProxy,
  header: string,
): KubehaProxyFiles {
  const adminPort = proxy.settings.healthPort ?? 8081;
  const config = {
    listen: proxy.listen,
    upstreams: proxy.upstreams.map((u) => `${ipwrap(u.address)}:${u.port}`),
    admin: `127.0.0.1:${adminPort}`,
    algorithm: 'least_conn',
    // Kubespray's nginx-proxy: proxy_connect_timeout 1s, proxy_timeout 10m
    connectTimeout: '1s',
    idleTimeout: '10m',
    healthCheck: {
      kind: 'https',
      path: '/readyz',
      interval: '1s',
      timeout: '1s',
      rise: 2,
      fall: 2,
    },
  };
  const configText = `# kubeha proxy on ${host.name}. ${header}\n${stringify(config)}`;
  const probe = (path: string) => ({
    httpGet: { host: '127.0.0.1', path, port: adminPort },
    periodSeconds: 5,
    timeoutSeconds: 2,
    failureThreshold: 3,
  });
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'kubeha-proxy',
      namespace: 'kube-system',
      labels: { 'addonmanager.kubernetes.io/mode': 'Reconcile', 'k8s-app': 'kubeha-proxy' },
      // kubelet re-creates a static pod when its manifest changes: the checksum
      // makes a config change a manifest change.
      annotations: { 'kubeha-cfg-checksum': sha1(configText) },
    },
    spec: {
      hostNetwork: true,
      dnsPolicy: 'ClusterFirstWithHostNet',
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      priorityClassName: 'system-node-critical',
      containers: [
        {
          name: 'kubeha-proxy',
          image: proxy.settings.kubeha.image,
          imagePullPolicy: proxy.settings.pullPolicy,
          command: ['kubeha', 'proxy', '--config', `${KUBEHA_CONFIG_DIR}/proxy.yaml`],
          resources: {
            requests: { cpu: proxy.settings.cpuRequests, memory: proxy.settings.memoryRequests },
          },
          livenessProbe: probe('/livez'),
          readinessProbe: probe('/readyz'),
          volumeMounts: [{ mountPath: KUBEHA_CONFIG_DIR, name: 'etc-kubeha', readOnly: true }],
        },
      ],
      volumes: [{ name: 'etc-kubeha', hostPath: { path: KUBEHA_CONFIG_DIR } }],
    },
  };
  return { config: configText, manifest: `# ${header}\n${stringify(pod)}`, adminPort };
}
