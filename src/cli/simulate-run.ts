import type { ProxyChoice } from '../render/render-plan.js';
import { KubehaError } from '../shared/errors.js';
import {
  blastRadius,
  buildModel,
  failurePairs,
  formatDiff,
  formatImpacts,
  formatSimulation,
  impactsJson,
  loadSource,
  parseFailures,
  parseNameAddress,
  planOf,
  readPlanFile,
  renderDiff,
  simulate,
  simulationJson,
  singleFailures,
  withControlPlaneAdded,
  withHostRemoved,
} from '../simulate/index.js';
import type { Plan } from '../plan/plan-types.js';
import type { PlannerOptions } from './plan-options.js';

export interface SimulateOptions extends Omit<PlannerOptions, 'inventory'> {
  inventory?: string[];
  plan?: string;
  fail?: string[];
  allSingle?: boolean;
  allPairs?: boolean;
  addControlPlane?: string;
  removeControlPlane?: string;
  proxy?: string;
  top?: string;
  output: string;
}

const usage = (message: string, hint?: string) => new KubehaError('E_USAGE', message, { hint });

function check(opts: SimulateOptions): void {
  const modes = [
    opts.fail && '--fail',
    opts.allSingle && '--all-single',
    opts.allPairs && '--all-pairs',
    opts.addControlPlane && '--add-control-plane',
    opts.removeControlPlane && '--remove-control-plane',
  ].filter(Boolean);
  const all = '--fail, --all-single, --all-pairs, --add-control-plane or --remove-control-plane';
  if (modes.length !== 1) {
    throw usage(
      modes.length ? `${modes.join(' and ')} do not go together` : 'nothing to simulate',
      `use one of ${all}`,
    );
  }
  if (!!opts.plan === !!opts.inventory) throw usage('give either -i INVENTORY or --plan FILE');
  if (opts.plan && (opts.addControlPlane || opts.removeControlPlane)) {
    throw usage(
      '--add-control-plane and --remove-control-plane re-plan the inventory',
      'use -i INVENTORY',
    );
  }
  if (!['table', 'json'].includes(opts.output)) {
    throw usage(`unknown output format "${opts.output}"`, 'use table or json');
  }
  if (opts.proxy !== undefined && !['nginx', 'haproxy', 'kubeha'].includes(opts.proxy)) {
    throw usage(`unknown --proxy "${opts.proxy}"`, 'use nginx, haproxy or kubeha');
  }
  if (opts.top !== undefined && !/^\d+$/.test(opts.top))
    throw usage(`--top "${opts.top}" is not a number`);
}

function print(opts: SimulateOptions, json: () => object, text: () => string): void {
  process.stdout.write(`${opts.output === 'json' ? JSON.stringify(json(), null, 2) : text()}\n`);
}

export async function runSimulate(opts: SimulateOptions): Promise<void> {
  check(opts);
  const proxy = opts.proxy as ProxyChoice | undefined;
  if (opts.addControlPlane || opts.removeControlPlane) return runChange(opts, proxy);
  const plan: Plan = opts.plan
    ? await readPlanFile(opts.plan)
    : await (async () => {
        const src = await loadSource(opts.inventory!, opts);
        return planOf(src.inventory, src.era, src.diagnostics);
      })();
  const model = buildModel(plan, { proxy });
  if (opts.fail) {
    const sim = simulate(model, parseFailures(plan, opts.fail, model.catalog));
    return print(
      opts,
      () => simulationJson(model, sim),
      () => formatSimulation(model, sim),
    );
  }
  const mode = opts.allSingle ? 'single' : 'pairs';
  const impacts = blastRadius(
    model,
    mode === 'single' ? singleFailures(model) : failurePairs(model),
  );
  print(
    opts,
    () => impactsJson(model, mode, impacts),
    () => formatImpacts(model, mode, impacts, opts.top === undefined ? 40 : Number(opts.top)),
  );
}

async function runChange(opts: SimulateOptions, proxy: ProxyChoice | undefined): Promise<void> {
  const src = await loadSource(opts.inventory!, opts);
  const before = planOf(src.inventory, src.era, src.diagnostics);
  let after: Plan;
  let change: Parameters<typeof renderDiff>[2];
  if (opts.addControlPlane) {
    const { name, address } = parseNameAddress(opts.addControlPlane);
    after = planOf(withControlPlaneAdded(src.inventory, name, address), src.era);
    change = { kind: 'add', name, address };
  } else {
    const name = opts.removeControlPlane!;
    const cp = before.controlPlanes.find((c) => c.host === name);
    const names = before.controlPlanes.map((c) => c.host).join(', ');
    if (!cp)
      throw usage(
        `--remove-control-plane: ${name} is not a control plane`,
        `control planes: ${names}`,
      );
    if (before.controlPlanes.length === 1)
      throw usage(`--remove-control-plane: ${name} is the only control plane`);
    after = planOf(withHostRemoved(src.inventory, name), src.era);
    change = { kind: 'remove', name, address: cp.address };
  }
  // the kubeha image tag is the same on both sides, so any version string will do
  const diff = renderDiff(before, after, change, { proxy, kubehaVersion: 'current' });
  print(
    opts,
    () => ({
      schemaVersion: 1,
      kubespray: before.kubespray,
      pattern: { id: before.pattern.id, name: before.pattern.name },
      ...diff,
    }),
    () => formatDiff(diff, before.pattern.name),
  );
}
