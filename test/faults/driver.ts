/**
 * Runs one fault scenario inside the worker namespace and prints its result as one
 * JSON line. faults.test.ts starts it with `ip netns exec`:
 *
 *   node dist/test/faults/driver.js --scenario NAME --cps NS1,NS2,NS3 [--seconds S]
 */
import { FaultRig } from './harness.js';
import { SCENARIOS, type ScenarioName } from './scenarios.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};

async function main(): Promise<void> {
  const name = arg('scenario') as ScenarioName;
  const cps = arg('cps')?.split(',') ?? [];
  const run = SCENARIOS[name];
  if (!run || cps.length !== 3) throw new Error('usage: driver --scenario NAME --cps NS1,NS2,NS3');
  const rig = await FaultRig.start(cps);
  try {
    const result = await run(rig, Number(arg('seconds') ?? 30));
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await rig.close();
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`driver: ${err.stack}\n`);
    process.exit(1);
  },
);
