import { Command, CommanderError } from 'commander';
import { formatError, isKubehaError } from '../shared/errors.js';
import { registerInventory } from './inventory.js';
import { registerLint } from './lint.js';
import { registerPlan } from './plan.js';
import { registerProxy } from './proxy.js';
import { registerLab } from './lab.js';
import { registerRender } from './render.js';
import { registerSimulate } from './simulate.js';
import { registerCompare } from './compare.js';
import { registerCheck } from './check.js';
import { registerCompletion } from './completion.js';
import { registerDemo } from './demo.js';

/**
 * The `kubeha` command. Each sub-command lives in its own file and registers
 * itself here; a command's action imports its stage lazily, so `kubeha proxy`
 * does not load the planner and the planner does not load the proxy runtime.
 */
export async function main(argv: string[]): Promise<void> {
  // `kubeha proxy …` in ps and ss instead of `node …`: Kubespray hosts tell a
  // kubeha proxy holding 127.0.0.1:6443 from other processes by this name
  // (deploy/kubespray/roles/kubeha_node/tasks/port-holder.yml)
  process.title = ['kubeha', ...argv.slice(2)].join(' ');
  const program = new Command('kubeha')
    .description('Kubernetes API-server high availability for Kubespray clusters')
    .version(await packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  registerInventory(program);
  registerPlan(program);
  registerRender(program);
  registerProxy(program);
  registerLab(program);
  registerLint(program);
  registerSimulate(program);
  registerCompare(program);
  registerCheck(program);
  registerCompletion(program);
  registerDemo(program);

  // `kubeha plan | head` closes our stdout early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });

  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version end through here with exit code 0; usage errors are 2.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (isKubehaError(err)) {
    for (const e of [err, ...err.also]) process.stderr.write(`kubeha: ${formatError(e)}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`kubeha: internal error: ${message}\n`);
  if (process.env.KUBEHA_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return 70;
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const url = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(await readFile(url, 'utf8')) as { version: string }).version;
}
