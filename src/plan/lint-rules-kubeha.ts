import { isImageTag, parseImageRef } from '../shared/image-ref.js';
import { originOf, type Finding, type LintRule } from './lint-rule.js';

/** The playbook that places kubeha where Kubespray would place nginx-proxy. */
export const KUBEHA_PLAYBOOK = 'deploy/kubespray/kubeha-proxy.yml';

/** Lint rules about kubeha as the local proxy (loadbalancer_apiserver_type: kubeha, kubeha_* variables). */
export const KUBEHA_RULES: LintRule[] = [
  {
    id: 'KH071',
    name: 'kubeha-not-deployed-by-kubespray',
    severity: 'warning',
    why: 'roles/kubernetes/node/tasks/main.yml installs a local proxy only for loadbalancer_apiserver_type nginx or haproxy: with kubeha it keeps workers on https://localhost:{port}, deploys nothing there, pulls no proxy image and no longer removes an nginx-proxy.yml or haproxy.yml it placed before',
    fix: `run ansible-playbook -i INVENTORY ${KUBEHA_PLAYBOOK} after cluster.yml/scale.yml and before a new node's kubelet is pointed at localhost (docs/deploy.md)`,
    check: (c) => {
      const hosts = c.hosts.filter((h) => h.localProxy === 'kubeha');
      if (hosts.length === 0) return [];
      return [
        {
          ...originOf(hosts[0]!, 'loadbalancer_apiserver_type'),
          message: `loadbalancer_apiserver_type is "kubeha": Kubespray will not deploy it; ${KUBEHA_PLAYBOOK} places kubeha proxy on ${hosts.map((h) => h.name).join(', ')}`,
        },
      ];
    },
  },
  {
    id: 'KH072',
    name: 'kubeha-image',
    severity: 'error',
    why: 'the kubelet cannot pull an image whose reference does not parse, and kubeha render refuses to write it',
    fix: 'set kubeha_image_repo to REGISTRY/NAME and kubeha_image_tag to a tag (e.g. 0.1.0)',
    check: (c, p) => {
      const out: Finding[] = [];
      const seen = new Set<string>();
      for (const ph of p.hosts) {
        const image = ph.localProxy?.settings.kubeha.image;
        if (image === undefined || seen.has(image)) continue;
        seen.add(image);
        const parsed = parseImageRef(image);
        if (!('error' in parsed)) continue;
        const h = c.byName.get(ph.name)!;
        const tag = h.scope.string('kubeha_image_tag');
        const blame =
          tag !== undefined && !isImageTag(tag) ? 'kubeha_image_tag' : 'kubeha_image_repo';
        const where = originOf(h, blame);
        out.push({ ...where, message: `kubeha image "${image}" is not valid: ${parsed.error}` });
      }
      return out;
    },
  },
];
