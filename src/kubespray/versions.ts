import { KubehaError } from '../shared/errors.js';

/**
 * The Kubespray releases the planner models. Each field is a behaviour that
 * changed between releases, verified in kubernetes-sigs/kubespray's git history
 * (tags v2.29.1, v2.30.0, v2.31.0 and main at 46dbdd3, 2026-08-21).
 */
export interface KubesprayEra {
  /** "2.29", "2.30", "2.31", "2.32" (main, unreleased) */
  id: string;
  /** what the release is called in messages */
  label: string;
  /**
   * apiserver_loadbalancer_domain_name's default (roles/kubespray_defaults/defaults/main/main.yml).
   * 'legacy': the literal "lb-apiserver.kubernetes.local" (up to v2.29);
   * 'derived': 'localhost' with the local LB, else loadbalancer_apiserver.address
   * (commit 6b5cc5bdf, Jan 2026, first in v2.30.0).
   */
  domainDefault: 'legacy' | 'derived';
  /**
   * roles/kubernetes/preinstall/tasks/0090-etchosts.yml wrote
   * "<loadbalancer_apiserver.address> <apiserver_loadbalancer_domain_name>" into
   * /etc/hosts up to v2.28; PR #12382 ("Do not alter etc/hosts") removed it in v2.29.
   */
  etcHostsLbEntry: boolean;
  /**
   * roles/kubernetes/control-plane/tasks/kubeadm-fix-apiserver.yml rewrote the
   * control planes' admin.conf, controller-manager.conf, kubelet.conf and
   * scheduler.conf to kube_apiserver_endpoint; removed by PR #12870 (v2.31.0),
   * relying on kubeadm's ControlPlaneKubeletLocalMode instead.
   */
  fixApiserverRewrite: boolean;
  /**
   * kube_apiserver_global_endpoint with only the local LB: up to v2.29
   * `https://localhost:{kube_apiserver_port}` and only when loadbalancer_apiserver_port
   * is unset or equal, else the first control plane; since PR #12598 (v2.30)
   * `https://localhost:{loadbalancer_apiserver_port|default(kube_apiserver_port)}`.
   */
  globalLocalhostSamePortOnly: boolean;
  /** the LB endpoints ipwrap apiserver_loadbalancer_domain_name (commit 6b5cc5bdf, v2.30) */
  lbDomainIpwrap: boolean;
  /** haproxy.cfg.j2 wrote `bind [::1]:PORT;`, which HAProxy rejects (fixed by PR #12862, v2.30) */
  haproxyIpv6BindSemicolon: boolean;
  /** nginx.conf.j2 worker_rlimit_nofile: 130048 until PR #13255 (May 2026, after v2.31.0) */
  nginxRlimitNofile: number;
  /** roles/kubespray_defaults/defaults/main/download.yml */
  nginxImageTag: string;
  haproxyImageTag: string;
}

export const KUBESPRAY_ERAS: readonly KubesprayEra[] = [
  {
    id: '2.29',
    label: 'Kubespray v2.29',
    domainDefault: 'legacy',
    etcHostsLbEntry: false,
    fixApiserverRewrite: true,
    globalLocalhostSamePortOnly: true,
    lbDomainIpwrap: false,
    haproxyIpv6BindSemicolon: true,
    nginxRlimitNofile: 130048,
    nginxImageTag: '1.28.0-alpine',
    haproxyImageTag: '3.2.4-alpine',
  },
  {
    id: '2.30',
    label: 'Kubespray v2.30',
    domainDefault: 'derived',
    etcHostsLbEntry: false,
    globalLocalhostSamePortOnly: false,
    lbDomainIpwrap: true,
    haproxyIpv6BindSemicolon: false,
    fixApiserverRewrite: true,
    nginxRlimitNofile: 130048,
    nginxImageTag: '1.28.0-alpine',
    haproxyImageTag: '3.2.4-alpine',
  },
  {
    id: '2.31',
    label: 'Kubespray v2.31',
    domainDefault: 'derived',
    etcHostsLbEntry: false,
    globalLocalhostSamePortOnly: false,
    lbDomainIpwrap: true,
    haproxyIpv6BindSemicolon: false,
    fixApiserverRewrite: false,
    nginxRlimitNofile: 130048,
    nginxImageTag: '1.28.2-alpine',
    haproxyImageTag: '3.2.13-alpine',
  },
  {
    id: '2.32',
    label: 'Kubespray main (46dbdd3, unreleased v2.32)',
    domainDefault: 'derived',
    etcHostsLbEntry: false,
    globalLocalhostSamePortOnly: false,
    lbDomainIpwrap: true,
    haproxyIpv6BindSemicolon: false,
    fixApiserverRewrite: false,
    nginxRlimitNofile: 65535,
    nginxImageTag: '1.30.1-alpine',
    haproxyImageTag: '3.2.19-alpine',
  },
];

/** What --kubespray-version takes, in the words of its help and of its error. */
export const KUBESPRAY_VERSIONS_ACCEPTED =
  'a release from 2.23 to 2.31, or main (the unreleased 2.32); releases before 2.29 are modelled as 2.29 plus their /etc/hosts entry for the LB name';

/** The newest release modelled; `main` (2.32) is opt-in because it is unreleased. */
export const DEFAULT_KUBESPRAY_VERSION = '2.31';

/** Accepts 2.30, v2.30, v2.30.0, 2.28 (read as the 2.29 era's oldest behaviour), main. */
export function resolveKubesprayVersion(text: string | undefined): KubesprayEra {
  const raw = (text ?? DEFAULT_KUBESPRAY_VERSION).trim();
  if (raw === 'main' || raw === 'master') return KUBESPRAY_ERAS[KUBESPRAY_ERAS.length - 1]!;
  const m = /^v?2\.(\d+)(?:\.\d+)?$/.exec(raw);
  const bad = () =>
    new KubehaError('E_KUBESPRAY_VERSION', `unsupported --kubespray-version "${raw}"`, {
      hint: `use ${KUBESPRAY_VERSIONS_ACCEPTED}`,
    });
  if (!m) throw bad();
  const minor = Number(m[1]);
  if (minor < 23) throw bad();
  if (minor <= 28) {
    // Older releases behave as 2.29 except that /etc/hosts maps the LB domain name.
    return {
      ...KUBESPRAY_ERAS[0]!,
      id: `2.${minor}`,
      label: `Kubespray v2.${minor}`,
      etcHostsLbEntry: true,
    };
  }
  const era = KUBESPRAY_ERAS.find((e) => e.id === `2.${minor}`);
  if (!era) throw bad();
  return era;
}
