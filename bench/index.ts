/**
 * `npm run bench [-- SUITE... [--quick]]`: runs the named benchmark suites (all when
 * none is named). Benchmarks measure kubeha beside the tools it replaces, in the
 * same run, and report ratios; they never assert timings.
 */
type Suite = (args: string[]) => Promise<void>;

const SUITES: Record<string, () => Promise<{ run: Suite }>> = {
  inventory: () => import('./inventory.js'),
  plan: () => import('./plan.js'),
  proxy: () => import('./proxy.js'),
  failover: () => import('./proxy-failover.js'),
  takeover: () => import('./proxy-takeover.js'),
  memory: () => import('./proxy-idle-memory.js'),
  simulate: () => import('./simulate.js'),
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const named = args.filter((a) => !a.startsWith('-'));
  const flags = args.filter((a) => a.startsWith('-'));
  const unknown = named.filter((n) => !(n in SUITES));
  if (unknown.length) {
    console.error(
      `unknown benchmark suite(s): ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}`,
    );
    process.exitCode = 2;
    return;
  }
  for (const name of named.length ? named : Object.keys(SUITES)) {
    console.log(`\n## ${name}\n`);
    const suite = await SUITES[name]!();
    try {
      await suite.run(flags);
    } catch (err) {
      console.error(`bench ${name}: ${(err as Error).message}`);
      process.exitCode = 1;
      return;
    }
  }
}

await main();
// Leave explicitly once everything is printed and every spawned process is stopped:
// after a full proxy run (2026-11-23, Node 20.20.2) the process once sat at 50 % CPU
// for minutes in node::Environment::CleanupHandles (FreeEnvironment, after the loop
// had emptied) instead of exiting, which would leave `npm run bench` unbounded.
process.exit();
