import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateInventory } from './generate-inventory.js';
import { timeCommands, type Timed } from './timing.js';

/**
 * `kubeha plan -o json`, `kubeha lint` and `kubeha render` on a generated
 * 5,000-host Kubespray inventory (3 control planes, 4,997 workers with the local
 * nginx). Target (issue 3): plan and render each under 2 s, whole-command wall
 * time. render writes ~15,000 files (nginx.conf + manifest per worker, one
 * kubeconfig snippet file per host): it is timed into a new directory on tmpfs
 * (/dev/shm) and on the disk, since the disk's file-creation cost dominates there.
 */
export async function run(flags: string[]): Promise<void> {
  const quick = flags.includes('--quick');
  const hosts = 5000;
  const runs = quick ? 3 : 5;
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-bench-plan-'));
  const shm = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/kubeha-bench-') : undefined;
  try {
    const inv = generateInventory(join(dir, 'inv'), hosts);
    const bin = resolve('bin', 'kubeha');
    const t = timeCommands(
      {
        'plan -o json': { cmd: process.execPath, args: [bin, 'plan', '-i', inv, '-o', 'json'] },
        lint: { cmd: process.execPath, args: [bin, 'lint', '-i', inv] },
      },
      runs,
    );
    const render = (base: string): Timed => {
      const xs: number[] = [];
      for (let i = 0; i < runs; i++) {
        const out = join(base, `out${i}`);
        const t0 = process.hrtime.bigint();
        const r = spawnSync(process.execPath, [bin, 'render', '-i', inv, '--out', out], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        xs.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (r.status !== 0) throw new Error(`render failed: ${r.stderr.toString().slice(0, 300)}`);
        rmSync(out, { recursive: true, force: true });
      }
      xs.sort((a, b) => a - b);
      return { medianMs: xs[xs.length >> 1]!, minMs: xs[0]!, maxMs: xs[xs.length - 1]!, runs };
    };
    const results: Record<string, Timed> = { ...t };
    if (shm) results['render (new dir on tmpfs)'] = render(shm);
    results['render (new dir on disk)'] = render(dir);
    console.log(
      `inventory: ${hosts} hosts (3 control planes, ${hosts - 3} workers); ${runs} runs each\n`,
    );
    console.log('| command | median | min | max |');
    console.log('|---|---|---|---|');
    for (const [name, x] of Object.entries(results)) {
      const f = (n: number) => `${n.toFixed(0)} ms`;
      console.log(`| kubeha ${name} | ${f(x.medianMs)} | ${f(x.minMs)} | ${f(x.maxMs)} |`);
    }
    console.log('\ntarget: plan -o json and render each < 2000 ms');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (shm) rmSync(shm, { recursive: true, force: true });
  }
}
