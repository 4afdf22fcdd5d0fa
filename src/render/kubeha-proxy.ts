import { stringify } from 'yaml';
import type { PlanHost, PlanLocalProxy } from '../plan/plan-types.js';
import { ipwrap } from '../shared/address.js';
import { sha1 } from './proxy-manifests.js';

/**
 * The kubeha proxy in place of Kubespray's nginx-proxy/haproxy: its config
 * (proxy.yaml under kubeha_config_dir) and a static pod manifest. The admin
 * endpoint (health, metrics) binds loopback only — unlike Kubespray's health
 * port on every interface — and the probes say `host: 127.0.0.1` so kubelet
 * reaches it. Every path in proxy.yaml is the host's own path, mounted at the
 * same place in the pod, so the same file serves the systemd unit
 * (kubeha-systemd.ts).
 */
export const KUBEHA_IMAGE = 'ghcr.io/kubeha/kubeha';

/**
 * The pod's resources, from `npm run bench -- memory` (image NODE_OPTIONS, one
 * process, three TLS API servers, idle): 76 MiB RSS, of which 23 MiB is the
 * process's own heap and the rest the Node binary's pages. Each proxied connection
 * adds about 5.5 KiB. The limit leaves room for ~30,000 connections, far beyond
 * a node's kubelet, kube-proxy and pods: an OOM kill here cuts the node off the
 * API, so it is a guard against a leak, not a tight fit. Kubespray's nginx-proxy
 * asks for 32M and sets no limit. The systemd unit's MemoryMax follows
 * limits.memory.
 */
export const KUBEHA_RESOURCES = {
  requests: { cpu: '25m', memory: '80Mi' },
  limits: { memory: '256Mi' },
} as const;

/**
 * The kubelet's client certificate and key (one PEM). It is a symlink the
 * kubelet re-points at each rotation, so the pod mounts the directory: a file
 * mount would pin the certificate it pointed to when the pod started.
 */
export const KUBELET_PKI_DIR = '/var/lib/kubelet/pki';
export const KUBELET_CLIENT_PEM = `${KUBELET_PKI_DIR}/kubelet-client-current.pem`;
/** Where the proxy keeps state (the last good discovered API servers). */
export const KUBEHA_STATE_DIR = '/var/lib/kubeha';
/** How long a starting proxy waits for nginx-proxy or haproxy to free its port. */
export const KUBEHA_BIND_RETRY = '60s';

export interface KubehaProxyFiles {
  config: string;
  manifest: string;
  /** proxy.yaml's absolute path on the host */
  configPath: string;
  adminPort: number;
}

export function kubehaConfigPath(proxy: PlanLocalProxy): string {
  return `${proxy.settings.kubeha.configDir}/proxy.yaml`;
}

export function renderKubehaProxy(
  host: PlanHost,
  proxy: PlanLocalProxy,
  image: string,
  header: string,
): KubehaProxyFiles {
  const k = proxy.settings.kubeha;
  const caFile = `${k.certDir}/ca.crt`;
  const kubeletConf = `${k.kubeConfigDir}/kubelet.conf`;
  const configPath = kubehaConfigPath(proxy);
  const config = {
    listen: proxy.listen,
    // the proxy starts while nginx-proxy/haproxy may still hold the port
    bindRetry: KUBEHA_BIND_RETRY,
    upstreams: proxy.upstreams.map((u) => `${ipwrap(u.address)}:${u.port}`),
    admin: `127.0.0.1:${k.adminPort}`,
    algorithm: 'least_conn',
    // Kubespray's nginx-proxy: proxy_connect_timeout 1s, proxy_timeout 10m
    connectTimeout: '1s',
    idleTimeout: '10m',
    healthCheck: {
      kind: 'https',
      path: '/readyz',
      // scaled with the cluster's size (src/plan/check-interval.ts)
      interval: k.healthCheck.interval,
      timeout: '1s',
      rise: 2,
      fall: 2,
      // the cluster CA, and the kubelet's client certificate so /readyz answers
      // when anonymous auth is off (Kubespray #6242)
      caFile,
      certFile: KUBELET_CLIENT_PEM,
      keyFile: KUBELET_CLIENT_PEM,
    },
    // default/kubernetes through this proxy, as the kubelet (kubeadm join writes
    // kubelet.conf; RBAC in discovery-rbac.ts lets it list and watch)
    discovery: { kubernetesEndpoints: true, kubeconfig: kubeletConf },
    stateDir: KUBEHA_STATE_DIR,
  };
  const configText =
    `# kubeha proxy on ${host.name}. ${header}\n` +
    `# healthCheck.interval ${k.healthCheck.interval}: ${k.healthCheck.why}\n${stringify(config)}`;
  const probe = (path: string, failureThreshold: number) => ({
    httpGet: { host: '127.0.0.1', path, port: k.adminPort },
    periodSeconds: 5,
    timeoutSeconds: 2,
    failureThreshold,
  });
  const mount = (name: string, path: string, readOnly = true) => ({
    mountPath: path,
    name,
    ...(readOnly ? { readOnly: true } : {}),
  });
  // hostPath types make a missing file an error instead of an empty directory
  // the runtime would create in its place (kubeadm join must find ca.crt a file)
  const hostPath = (name: string, path: string, type: string) => ({
    name,
    hostPath: { path, type },
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
          image,
          imagePullPolicy: proxy.settings.pullPolicy,
          command: ['kubeha', 'proxy', '--config', configPath],
          resources: KUBEHA_RESOURCES,
          securityContext: {
            // root only to read the kubelet's key (root, 0600): no capability,
            // nothing to escalate to, nothing written outside the state directory
            runAsUser: 0,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
          // the admin endpoint opens after the listeners, which may wait
          // bindRetry for the port: liveness starts once startup has passed
          startupProbe: probe('/livez', 15),
          livenessProbe: probe('/livez', 3),
          readinessProbe: probe('/readyz', 3),
          volumeMounts: [
            mount('kubeha-config', k.configDir),
            mount('cluster-ca', caFile),
            mount('kube-config-dir', k.kubeConfigDir),
            mount('kubelet-pki', KUBELET_PKI_DIR),
            mount('kubeha-state', KUBEHA_STATE_DIR, false),
          ],
        },
      ],
      volumes: [
        hostPath('kubeha-config', k.configDir, 'Directory'),
        hostPath('cluster-ca', caFile, 'File'),
        // kubelet.conf through its directory: it does not exist before kubeadm join,
        // and a file mount would block the pod (File), leave an empty file that fails
        // join's preflight (FileOrCreate) or a directory in its place (no type)
        hostPath('kube-config-dir', k.kubeConfigDir, 'Directory'),
        hostPath('kubelet-pki', KUBELET_PKI_DIR, 'Directory'),
        hostPath('kubeha-state', KUBEHA_STATE_DIR, 'DirectoryOrCreate'),
      ],
    },
  };
  return {
    config: configText,
    manifest: `# ${header}\n${stringify(pod)}`,
    configPath,
    adminPort: k.adminPort,
  };
}
