import type { PlanHost, PlanLocalProxy } from '../plan/plan-types.js';
import { KUBEHA_RESOURCES, KUBEHA_STATE_DIR, kubehaConfigPath } from './kubeha-proxy.js';

/** Where the unit goes on the host. */
export const KUBEHA_UNIT_PATH = '/etc/systemd/system/kubeha-proxy.service';

/** Kubernetes' binary suffixes (Mi, Gi) as systemd's, which are already base 1024 (M, G). */
function systemdBytes(quantity: string): string {
  const m = /^(\d+)(Ki|Mi|Gi)$/.exec(quantity);
  if (!m) throw new Error(`unsupported memory quantity ${quantity}`);
  return `${m[1]}${m[2]![0]}`;
}

/**
 * kubeha proxy as a systemd service, for hosts that run it outside Kubernetes
 * (an external-LB host, a control plane without the kubelet's static pods).
 * It reads the same proxy.yaml as the static pod: one or the other, never both
 * (they want the same port).
 *
 * It runs as root, because proxy.yaml names the kubelet's client key (root,
 * 0600), but with an empty capability bounding set: root without capabilities
 * can read root's own files and nothing else it could not as a user, and
 * binding port 6443 needs no capability. A host without a kubelet key uses the
 * DynamicUser drop-in docs/deploy.md gives. MemoryDenyWriteExecute is left off:
 * V8's JIT needs writable executable memory.
 */
export function renderKubehaUnit(host: PlanHost, proxy: PlanLocalProxy, header: string): string {
  const k = proxy.settings.kubeha;
  return [
    `# kubeha proxy on ${host.name}, outside Kubernetes: instead of the static pod`,
    `# ${proxy.settings.manifestDir}/kubeha-proxy.yml, never beside it. ${header}`,
    '[Unit]',
    'Description=kubeha proxy: node-local Kubernetes API-server load balancer',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=exec',
    `ExecStart=${k.binDir}/kubeha proxy --config ${kubehaConfigPath(proxy)}`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=always',
    'RestartSec=2s',
    // nginx-proxy's worker_rlimit_nofile, within containerd's cap (Kubespray PR #13255)
    'LimitNOFILE=65535',
    `MemoryMax=${systemdBytes(KUBEHA_RESOURCES.limits.memory)}`,
    `StateDirectory=${KUBEHA_STATE_DIR.replace(/^\/var\/lib\//, '')}`,
    'UMask=0077',
    'CapabilityBoundingSet=',
    'AmbientCapabilities=',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'LockPersonality=yes',
    'SystemCallArchitectures=native',
    'SystemCallFilter=@system-service',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
