/**
 * The three access patterns as they are usually described (the common Case 1 /
 * Case 2 / Case 3 comparison tables). These are claims, not answers: `kubeha
 * compare` computes every value from the plan and shows one of these next to it
 * only where Kubespray's real result differs.
 */
import type { PatternCase } from './inventory-variants.js';

export type ChangeArea = 'kubeconfigs' | 'local proxy configs' | 'external LB config';

export interface DescribedPattern {
  /** worker kubelet and kube-proxy */
  workerPath: { kind: 'local-proxy' | 'external-lb'; text: string };
  /** kubectl and CI */
  outsidePath: { kind: 'direct' | 'external-lb'; text: string };
  workerKubeconfig: { holds: 'every server' | 'the LB'; text: string };
  outsideKubeconfig: { holds: 'every server' | 'the LB'; text: string };
  lbFailureWorkers: { impact: 'none' | 'total'; text: string };
  lbNeeded: { who: 'nobody' | 'outside' | 'everyone'; text: string };
  controlPlaneChange: { areas: ChangeArea[]; text: string };
}

const PROXY_PATH = { kind: 'local-proxy', text: 'local proxy → every API server' } as const;
const LB_PATH = { kind: 'external-lb', text: 'external LB → every API server' } as const;
const SERVERS = { holds: 'every server', text: "every API server's address" } as const;
const LB = { holds: 'the LB', text: "the LB's address" } as const;

export const DESCRIBED: Record<PatternCase, DescribedPattern> = {
  case1: {
    workerPath: PROXY_PATH,
    outsidePath: { kind: 'direct', text: 'direct, to every API server' },
    workerKubeconfig: SERVERS,
    outsideKubeconfig: SERVERS,
    lbFailureWorkers: { impact: 'none', text: 'none (there is no LB)' },
    lbNeeded: { who: 'nobody', text: 'no' },
    controlPlaneChange: { areas: ['kubeconfigs'], text: 'kubeconfigs' },
  },
  case2: {
    workerPath: PROXY_PATH,
    outsidePath: LB_PATH,
    workerKubeconfig: SERVERS,
    outsideKubeconfig: LB,
    lbFailureWorkers: { impact: 'none', text: 'none' },
    lbNeeded: { who: 'outside', text: 'yes, for outside clients' },
    controlPlaneChange: {
      areas: ['kubeconfigs', 'external LB config'],
      text: 'kubeconfigs + LB',
    },
  },
  case3: {
    workerPath: LB_PATH,
    outsidePath: LB_PATH,
    workerKubeconfig: LB,
    outsideKubeconfig: LB,
    lbFailureWorkers: { impact: 'total', text: 'total outage, workers included' },
    lbNeeded: { who: 'everyone', text: 'yes, for every client (and the LB itself must be HA)' },
    controlPlaneChange: { areas: ['external LB config'], text: 'LB only' },
  },
};
