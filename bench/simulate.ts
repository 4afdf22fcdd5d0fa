import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  blastRadius,
  buildModel,
  failurePairs,
  loadSource,
  planOf,
} from '../src/simulate/index.js';
import { generateInventory } from './generate-inventory.js';
import { timeCommands } from './timing.js';

/**
 * `kubeha simulate --all-pairs` on a generated 50-host Kubespray inventory (3 control
 * planes, 47 workers with the local nginx): every pair of failures. Target (issue 11):
 * the whole command under 1 s. Also prints the in-process time of the model alone.
 */
export async function run(flags: string[]): Promise<void> {
  const runs = flags.includes('--quick') ? 3 : 7;
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-bench-simulate-'));
  try {
    const inv = generateInventory(join(dir, 'inv'), 50);
    const bin = resolve('bin', 'kubeha');
    const cmd = (...args: string[]) => ({ cmd: process.execPath, args: [bin, ...args] });
    const t = timeCommands(
      {
        'simulate --all-pairs -o json': cmd('simulate', '-i', inv, '--all-pairs', '-o', 'json'),
        'simulate --all-pairs (table)': cmd('simulate', '-i', inv, '--all-pairs'),
        'simulate --all-single -o json': cmd('simulate', '-i', inv, '--all-single', '-o', 'json'),
        'plan -o json (for reference)': cmd('plan', '-i', inv, '-o', 'json'),
      },
      runs,
    );
    const src = await loadSource([inv], {});
    const model = buildModel(planOf(src.inventory, src.era));
    const pairs = failurePairs(model);
    const inProcess: number[] = [];
    for (let i = 0; i < runs; i++) {
      // a fresh model each time, so the memoized balancer outcomes are recomputed
      const m = buildModel(model.plan);
      const t0 = process.hrtime.bigint();
      blastRadius(m, failurePairs(m));
      inProcess.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    inProcess.sort((a, b) => a - b);
    console.log(
      `inventory: 50 hosts (3 control planes, 47 workers), ${model.clients.length} clients, ${model.catalog.length} single failures, ${pairs.length} pairs; ${runs} runs each\n`,
    );
    console.log('| command | median | min | max |');
    console.log('|---|---|---|---|');
    const f = (n: number) => `${n.toFixed(0)} ms`;
    for (const [name, x] of Object.entries(t)) {
      console.log(`| kubeha ${name} | ${f(x.medianMs)} | ${f(x.minMs)} | ${f(x.maxMs)} |`);
    }
    const mid = inProcess[inProcess.length >> 1]!;
    console.log(
      `| blastRadius(all pairs), in process | ${f(mid)} | ${f(inProcess[0]!)} | ${f(inProcess[inProcess.length - 1]!)} |`,
    );
    console.log('\ntarget: simulate --all-pairs < 1000 ms (whole command)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
