/**
 * The kubeha proxy's health-check interval for a cluster's size. Every node's
 * proxy checks every API server once per interval, so each API server answers
 * nodes ÷ interval checks a second (one request on a kept-alive connection each;
 * docs/proxy.md has the load model). Up to 100 nodes that is the proxy's default
 * of 1 s; above, the interval grows so each API server sees at most
 * CHECK_BUDGET_PER_SERVER checks a second, up to the 15 s Kubespray's HAProxy
 * uses (`inter 15s`). A longer interval delays noticing an unready server; a dead
 * one is still noticed at the first refused or timed-out connect.
 */
export const CHECK_BUDGET_PER_SERVER = 100;
export const MAX_CHECK_INTERVAL_S = 15;

export interface CheckIntervalPlan {
  /** healthCheck.interval in proxy.yaml, e.g. "5s" */
  interval: string;
  /** nodes running the proxy, each checking every API server */
  nodes: number;
  /** checks a second each API server answers, from all proxies */
  checksPerServerPerSecond: number;
  why: string;
}

export function checkIntervalFor(nodes: number): CheckIntervalPlan {
  const seconds = Math.min(
    MAX_CHECK_INTERVAL_S,
    Math.max(1, Math.ceil(nodes / CHECK_BUDGET_PER_SERVER)),
  );
  const load = Math.round((nodes / seconds) * 10) / 10;
  const why =
    seconds === 1
      ? `${nodes} node(s) checking every 1 s: ${load} checks/s per API server`
      : `${nodes} nodes: every ${seconds} s instead of 1 s keeps each API server at ${load} checks/s ` +
        `(at most ${CHECK_BUDGET_PER_SERVER}${seconds === MAX_CHECK_INTERVAL_S ? `, or the ${MAX_CHECK_INTERVAL_S} s ceiling` : ''})`;
  return { interval: `${seconds}s`, nodes, checksPerServerPerSecond: load, why };
}
