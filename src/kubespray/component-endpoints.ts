import { ipwrap } from '../shared/address.js';
import type { KsCluster, KsHost } from './cluster.js';

/**
 * Which `server:` each component on each host ends up with after a Kubespray
 * run, and the Kubespray (or kubeadm) step that puts it there.
 */
export type ComponentId =
  | 'kubelet'
  | 'kube-proxy'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'admin-kubeconfig'
  | 'super-admin-kubeconfig'
  | 'external-kubeconfig'
  | 'cni';

export interface ComponentEndpoint {
  host: string;
  component: ComponentId;
  /** the file holding the endpoint, on that host (or where Kubespray writes it) */
  file: string;
  /** https://HOST:PORT */
  endpoint: string;
  /** the Kubespray/kubeadm step that sets it */
  setBy: string;
}

/** kubeadm's controlPlaneEndpoint (roles/kubernetes/control-plane/templates/kubeadm-config.v1beta4.yaml.j2). */
export function controlPlaneEndpoint(cluster: KsCluster): string | undefined {
  const first = cluster.controlPlanes[0];
  if (!first) return undefined;
  // kubeadm-setup.yml: kubeadm_config_api_fqdn = apiserver_loadbalancer_domain_name when an LB is defined
  if (first.lb) {
    return `https://${first.domainName ?? '(undefined)'}:${first.lb.port ?? first.apiserverPort}`;
  }
  return `https://${ipwrap(first.net.mainIp)}:${first.apiserverPort}`;
}

/** kubeadm's LocalAPIEndpoint: advertiseAddress (kube_apiserver_address = main_ip) and bind port. */
export function localApiEndpoint(h: KsHost): string {
  return `https://${ipwrap(h.net.mainIp)}:${h.apiserverPort}`;
}

/**
 * The kube-proxy ConfigMap's server, one for the whole cluster
 * (roles/kubernetes/kubeadm/tasks/main.yml, run_once on the first k8s_cluster host):
 * with an external LB, kube_apiserver_endpoint; with only the local LB,
 * https://127.0.0.1:kube_apiserver_port (hard-coded, see the FIXME there);
 * otherwise kubeadm's own value, controlPlaneEndpoint.
 */
export function kubeProxyServer(
  cluster: KsCluster,
): { endpoint: string; setBy: string } | undefined {
  const runner = cluster.hosts.find((h) => h.inCluster);
  if (!runner || cluster.controlPlanes.length === 0) return undefined;
  if (runner.lb) {
    return {
      endpoint: runner.endpoint,
      setBy: 'kubeadm role: "Update server field in kube-proxy kubeconfig - external lb"',
    };
  }
  if (runner.localLb) {
    return {
      endpoint: `https://127.0.0.1:${runner.apiserverPort}`,
      setBy:
        'kubeadm role: "Update server field in kube-proxy kubeconfig" (hard-coded 127.0.0.1:kube_apiserver_port)',
    };
  }
  return { endpoint: controlPlaneEndpoint(cluster)!, setBy: 'kubeadm init (controlPlaneEndpoint)' };
}

/** The admin kubeconfig artifact for users outside the cluster (roles/kubernetes/client/tasks/main.yml). */
export function externalKubeconfig(cluster: KsCluster): ComponentEndpoint | undefined {
  const first = cluster.controlPlanes[0];
  if (!first) return undefined;
  const s = first.scope;
  let address: string;
  let port = first.apiserverPort;
  if (first.lb?.address !== undefined) {
    address = first.lb.address;
    if (first.lb.port !== undefined) port = first.lb.port;
  } else if (s.truthy('kubeconfig_localhost_ansible_host')) {
    address = s.string('ansible_host') ?? first.name;
  } else address = first.net.mainAccessIp;
  const generated = s.truthy('kubeconfig_localhost');
  return {
    host: '(outside)',
    component: 'external-kubeconfig',
    file: generated
      ? 'inventory artifacts/admin.conf'
      : '(not written: kubeconfig_localhost is false)',
    endpoint: `https://${ipwrap(address)}:${port}`,
    setBy: 'client role: external_apiserver_address / external_apiserver_port',
  };
}

export function componentEndpoints(cluster: KsCluster): ComponentEndpoint[] {
  const out: ComponentEndpoint[] = [];
  const kp = kubeProxyServer(cluster);
  const cpe = controlPlaneEndpoint(cluster);
  const first = cluster.controlPlanes[0];
  const fix = cluster.era.fixApiserverRewrite;
  const fixBy =
    'control-plane role: kubeadm-fix-apiserver.yml rewrites it to kube_apiserver_endpoint';
  for (const h of cluster.hosts) {
    if (!h.inCluster && !h.controlPlane) continue;
    const dir = h.scope.string('kube_config_dir') ?? '/etc/kubernetes';
    const add = (component: ComponentId, file: string, endpoint: string, setBy: string) =>
      out.push({ host: h.name, component, file, endpoint, setBy });
    if (h.controlPlane && cpe) {
      const isFirst = h === first;
      const kubeletLocal = isFirst ? cpe : localApiEndpoint(h);
      add(
        'kubelet',
        `${dir}/kubelet.conf`,
        fix ? h.endpoint : kubeletLocal,
        fix
          ? fixBy
          : isFirst
            ? 'kubeadm init (controlPlaneEndpoint)'
            : 'kubeadm join --control-plane (ControlPlaneKubeletLocalMode: local API server)',
      );
      add(
        'kube-controller-manager',
        `${dir}/controller-manager.conf`,
        fix ? h.endpoint : localApiEndpoint(h),
        fix ? fixBy : 'kubeadm (LocalAPIEndpoint)',
      );
      add(
        'kube-scheduler',
        `${dir}/scheduler.conf`,
        fix ? h.endpoint : localApiEndpoint(h),
        fix ? fixBy : 'kubeadm (LocalAPIEndpoint)',
      );
      add(
        'admin-kubeconfig',
        `${dir}/admin.conf`,
        fix ? h.endpoint : cpe,
        fix ? fixBy : 'kubeadm (controlPlaneEndpoint)',
      );
      if (isFirst) {
        add(
          'super-admin-kubeconfig',
          `${dir}/super-admin.conf`,
          cpe,
          'kubeadm init (controlPlaneEndpoint; never rewritten)',
        );
      }
    } else if (h.inCluster) {
      add(
        'kubelet',
        `${dir}/kubelet.conf`,
        h.endpoint,
        'kubeadm role: "Update server field in kubelet kubeconfig" (kube_apiserver_endpoint)',
      );
    }
    if (h.inCluster && kp) {
      add('kube-proxy', 'ConfigMap kube-system/kube-proxy', kp.endpoint, kp.setBy);
    }
    if (h.inCluster) {
      add(
        'cni',
        'CNI config (kube_apiserver_global_endpoint)',
        h.globalEndpoint,
        'kubespray_defaults: kube_apiserver_global_endpoint',
      );
    }
  }
  const ext = externalKubeconfig(cluster);
  if (ext) out.push(ext);
  return out;
}
