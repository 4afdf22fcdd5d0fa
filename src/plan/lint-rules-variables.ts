import { KUBESPRAY_BOOLEANS } from '../kubespray/defaults.js';
import { hostPortCollisions } from './port-collisions.js';
import { originOf, type Finding, type LintRule } from './lint-rule.js';

/** Lint rules about the Kubespray variables: the two pattern variables, ports, booleans, listeners. */
export const VARIABLES_RULES: LintRule[] = [
  {
    id: 'KH020',
    name: 'hybrid-trap',
    severity: 'warning',
    why: 'with loadbalancer_apiserver defined, kube_apiserver_endpoint is https://{apiserver_loadbalancer_domain_name}:{loadbalancer_apiserver.port} on every host; the local proxy is deployed but workers only use it if that URL leads to it',
    fix: 'for the hybrid (workers through the local proxy, outside clients through the LB) on v2.30+: keep loadbalancer_apiserver_localhost: true, leave apiserver_loadbalancer_domain_name unset (it becomes "localhost") and make loadbalancer_apiserver.port equal to loadbalancer_apiserver_port; before v2.30 set apiserver_loadbalancer_domain_name: localhost explicitly',
    check: (c, p) => {
      const first = c.controlPlanes[0];
      if (!first?.lb || !first.localLb) return [];
      const worker = p.access.find((r) => r.role === 'worker' && r.component === 'kubelet');
      if (!worker) return [];
      if (worker.path.kind === 'local-proxy') return [];
      const broken = worker.path.kind === 'nothing-listens' || worker.path.kind === 'unresolved';
      return [
        {
          ...originOf(first, 'loadbalancer_apiserver'),
          severity: broken ? 'error' : 'warning',
          message: `loadbalancer_apiserver_localhost is true and loadbalancer_apiserver is defined: worker kubelets and kube-proxy use ${worker.endpoint} (${worker.path.text}), not the local proxy, which is deployed but idle`,
        },
      ];
    },
  },
  {
    id: 'KH021',
    name: 'kube-proxy-port',
    severity: 'error',
    why: "with the local LB, roles/kubernetes/kubeadm hard-codes kube-proxy's ConfigMap to https://127.0.0.1:{kube_apiserver_port}, while the local proxy listens on loadbalancer_apiserver_port",
    fix: 'set loadbalancer_apiserver_port equal to kube_apiserver_port',
    check: (c, p) => {
      const first = c.hosts.find((h) => h.inCluster);
      if (!first || first.lb || !first.localLb || first.localLbPort === first.apiserverPort)
        return [];
      const bad = p.access.filter(
        (r) => r.component === 'kube-proxy' && r.path.kind === 'nothing-listens',
      );
      return [
        {
          ...originOf(first, 'loadbalancer_apiserver_port'),
          message: `loadbalancer_apiserver_port ${first.localLbPort} differs from kube_apiserver_port ${first.apiserverPort}: kube-proxy uses ${p.endpoints.kubeProxy}${bad.length ? `, where nothing listens on ${bad.map((r) => r.host).join(', ')}` : ''}`,
        },
      ];
    },
  },
  {
    id: 'KH022',
    name: 'lb-incomplete',
    severity: 'error',
    why: 'Kubespray builds every LB URL from loadbalancer_apiserver.address (through apiserver_loadbalancer_domain_name) and .port (default kube_apiserver_port)',
    fix: 'give loadbalancer_apiserver both address: and port:',
    check: (c) => {
      const first = c.controlPlanes[0];
      if (!first?.lb) return [];
      const out: Finding[] = [];
      const where = originOf(first, 'loadbalancer_apiserver');
      if (first.lb.address === undefined)
        out.push({ ...where, message: 'loadbalancer_apiserver has no address' });
      if (first.lb.port === undefined) {
        out.push({
          ...where,
          severity: 'warning',
          message: `loadbalancer_apiserver has no port: Kubespray uses kube_apiserver_port ${first.apiserverPort}`,
        });
      }
      return out;
    },
  },
  {
    id: 'KH023',
    name: 'string-boolean',
    severity: 'warning',
    why: 'an INI [all:vars] value such as false is the string "false", and Jinja treats every non-empty string as true',
    fix: 'write booleans in group_vars YAML (true/false), or as True/False in INI, which Ansible reads as booleans',
    check: (c) => {
      const out: Finding[] = [];
      const seen = new Set<string>();
      for (const h of c.hosts) {
        for (const name of KUBESPRAY_BOOLEANS) {
          const v = h.scope.lookup(name);
          if (!v || typeof v.value !== 'string' || v.source.kind !== 'inventory') continue;
          const key = `${name}=${v.value}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const looksFalse = /^(false|no|off|0)$/i.test(v.value.trim());
          out.push({
            ...originOf(h, name),
            severity: looksFalse ? 'error' : 'warning',
            message: `${name} is the string "${v.value}"${looksFalse ? ', which Kubespray treats as true' : ''}`,
          });
        }
      }
      return out;
    },
  },
  {
    id: 'KH030',
    name: 'healthcheck-all-interfaces',
    severity: 'warning',
    why: "the local proxy's health listener (loadbalancer_apiserver_healthcheck_port) binds every interface, exposing /healthz and nginx /stub_status to the network (Kubespray #9135)",
    fix: 'firewall the port, or leave loadbalancer_apiserver_healthcheck_port unset (no health listener, no probes) or use --proxy kubeha (admin on loopback)',
    check: (c) => {
      // kubeha's admin endpoint (which takes the health port) binds loopback only
      const h = c.hosts.find(
        (x) => x.localProxy && x.localProxy !== 'kubeha' && x.healthPort !== undefined,
      );
      return h
        ? [
            {
              ...originOf(h, 'loadbalancer_apiserver_healthcheck_port'),
              message: `the ${h.localProxy} health listener binds port ${h.healthPort} on all interfaces`,
            },
          ]
        : [];
    },
  },
  {
    id: 'KH031',
    name: 'port-collision',
    severity: 'error',
    why: 'two listeners on one host cannot share a port: the second fails to start',
    fix: 'move loadbalancer_apiserver_port / loadbalancer_apiserver_healthcheck_port off the ports the node already uses',
    check: (c) =>
      c.hosts.flatMap((h) => hostPortCollisions(h).map((message) => ({ host: h.name, message }))),
  },
];
