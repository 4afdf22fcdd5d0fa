import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { generateInventory } from './generate-inventory.js';
import { timeCommands } from './timing.js';

/**
 * kubeha inventory --list against ansible-inventory --list on a generated
 * 5,000-host Kubespray inventory. Target (issue 2): under 1 s and ≥ 20× faster.
 */
export async function run(flags: string[]): Promise<void> {
  const quick = flags.includes('--quick');
  const hosts = 5000;
  const runs = quick ? 3 : 5;
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-bench-inv-'));
  try {
    const inv = generateInventory(dir, hosts);
    const bin = resolve('bin', 'kubeha');
    const haveAnsible = spawnSync('ansible-inventory', ['--version']).status === 0;
    const commands: Parameters<typeof timeCommands>[0] = {
      kubeha: { cmd: process.execPath, args: [bin, 'inventory', '-i', inv, '--list'] },
    };
    if (haveAnsible)
      commands['ansible-inventory'] = {
        cmd: 'ansible-inventory',
        args: ['-i', inv, '--list'],
        cwd: dir,
      };
    const t = timeCommands(commands, runs);
    console.log(
      `inventory: ${hosts} hosts, 3 control planes, 10 racks, group_vars dirs; ${runs} runs each, interleaved\n`,
    );
    console.log('| command | median | min | max |');
    console.log('|---|---|---|---|');
    for (const [name, x] of Object.entries(t)) {
      console.log(
        `| ${name} --list | ${x.medianMs.toFixed(0)} ms | ${x.minMs.toFixed(0)} ms | ${x.maxMs.toFixed(0)} ms |`,
      );
    }
    const k = t.kubeha!;
    const a = t['ansible-inventory'];
    if (a)
      console.log(
        `\nkubeha is ${(a.medianMs / k.medianMs).toFixed(1)}× faster than ansible-inventory (median ${k.medianMs.toFixed(0)} ms vs ${a.medianMs.toFixed(0)} ms; target ≥ 20× and < 1000 ms)`,
      );
    else
      console.log('\nansible-inventory not installed: no ratio (npm run bench:setup installs it)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
