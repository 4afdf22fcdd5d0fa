/**
 * `npm run soak -- --minutes N` (default 10): the soak in network namespaces of its
 * own (test/faults/topology.ts), then its figures and verdict. Needs root, `ip netns`
 * and nft. Exit 0 when it passed, 1 when it did not, 2 when it cannot run here.
 */
import { removeLeftovers, unavailable } from '../faults/topology.js';
import { runInNamespaces } from '../faults/run-in-namespaces.js';
import { formatSoak, soakVerdict, type SoakReport } from './report.js';

export const SOAK_DRIVER = new URL('./soak-driver.js', import.meta.url).pathname;

export function runSoak(seconds: number): Promise<SoakReport> {
  removeLeftovers();
  return runInNamespaces<SoakReport>(
    'soak',
    SOAK_DRIVER,
    ['--seconds', String(seconds)],
    seconds * 1000 + 180_000,
  );
}

async function main(): Promise<number> {
  const i = process.argv.indexOf('--minutes');
  const minutes = i > 0 ? Number(process.argv[i + 1]) : 10;
  if (!(minutes > 0 && minutes <= 24 * 60)) {
    process.stderr.write(
      `soak: --minutes: expected a number of minutes (0-1440], got ${process.argv[i + 1]}\n`,
    );
    return 2;
  }
  const why = unavailable();
  if (why) {
    process.stderr.write(`soak: cannot run here: ${why}\n`);
    return 2;
  }
  const report = await runSoak(Math.round(minutes * 60));
  process.stdout.write(`${formatSoak(report)}\n${JSON.stringify(report)}\n`);
  const failures = soakVerdict(report);
  for (const f of failures) process.stdout.write(`FAIL: ${f}\n`);
  process.stdout.write(failures.length === 0 ? 'soak passed\n' : '');
  return failures.length === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`soak: ${err.message}\n`);
      process.exit(1);
    },
  );
}
