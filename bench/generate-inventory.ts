import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A Kubespray-shaped inventory of `hosts` hosts: 3 control planes (etcd as
 * children), the rest workers split over racks, with group_vars directories like
 * Kubespray's sample and a few host_vars files.
 */
export function generateInventory(dir: string, hosts: number): string {
  mkdirSync(join(dir, 'group_vars', 'all'), { recursive: true });
  mkdirSync(join(dir, 'group_vars', 'k8s_cluster'), { recursive: true });
  mkdirSync(join(dir, 'host_vars'), { recursive: true });
  const lines: string[] = ['[kube_control_plane]'];
  for (let i = 1; i <= 3; i++) {
    lines.push(`cp${i} ansible_host=10.0.0.${i} ip=10.0.0.${i} etcd_member_name=etcd${i}`);
  }
  lines.push('', '[etcd:children]', 'kube_control_plane', '');
  const racks = 10;
  for (let r = 0; r < racks; r++) {
    lines.push(`[rack${r}]`);
    for (let i = r; i < hosts - 3; i += racks) {
      const a = 10 + Math.floor(i / 250);
      const b = (i % 250) + 1;
      lines.push(
        `w${i} ansible_host=10.${a}.0.${b} ip=10.${a}.0.${b} node_labels="{'rack': 'r${r}'}"`,
      );
    }
    lines.push('', `[rack${r}:vars]`, `rack_name=rack-${r}`, '');
  }
  lines.push('[kube_node:children]', ...Array.from({ length: racks }, (_, r) => `rack${r}`), '');
  lines.push(
    '[calico_rr]',
    '',
    '[k8s_cluster:children]',
    'kube_control_plane',
    'kube_node',
    'calico_rr',
    '',
  );
  writeFileSync(join(dir, 'inventory.ini'), lines.join('\n'));
  writeFileSync(
    join(dir, 'group_vars', 'all', 'all.yml'),
    'bin_dir: /usr/local/bin\nloadbalancer_apiserver_port: 6443\nloadbalancer_apiserver_healthcheck_port: 8081\nntp_servers: ["0.pool.ntp.org iburst", "1.pool.ntp.org iburst"]\n',
  );
  writeFileSync(
    join(dir, 'group_vars', 'all', 'etcd.yml'),
    'etcd_data_dir: /var/lib/etcd\netcd_deployment_type: host\n',
  );
  writeFileSync(
    join(dir, 'group_vars', 'k8s_cluster', 'k8s-cluster.yml'),
    'kube_network_plugin: calico\nkube_proxy_mode: ipvs\nkube_apiserver_port: 6443\nkube_service_addresses: 10.233.0.0/18\n',
  );
  writeFileSync(
    join(dir, 'group_vars', 'k8s_cluster', 'addons.yml'),
    'metrics_server_enabled: true\nhelm_enabled: false\n',
  );
  for (let i = 0; i < Math.min(50, hosts - 3); i++) {
    writeFileSync(
      join(dir, 'host_vars', `w${i}.yml`),
      `node_taints: ["dedicated=w${i}:NoSchedule"]\n`,
    );
  }
  return join(dir, 'inventory.ini');
}
