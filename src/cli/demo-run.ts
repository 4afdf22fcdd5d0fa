import { connect } from 'node:net';
import { KubehaError } from '../shared/errors.js';
import { parseHostPort } from '../shared/address.js';
import { DemoSession } from '../lab/demo-session.js';
import { runStory } from '../lab/demo-story.js';
import { formatSummary, judge, totals, type DemoSummary } from '../lab/demo-summary.js';
import { DemoView } from './demo-view.js';
import { DEMO_INVENTORY_NAME } from '../lab/demo-plan.js';

export interface DemoOptions {
  json?: boolean;
  keep?: boolean;
}

export async function runDemo(opts: DemoOptions): Promise<void> {
  // With --json, stdout carries the document alone.
  const out = opts.json ? process.stderr : process.stdout;
  const live = out.isTTY === true && process.env.TERM !== 'dumb';
  const view = new DemoView(out, live);
  const stop = new AbortController();
  const onSignal = (sig: string) =>
    stop.abort(
      new KubehaError('E_INTERRUPTED', `${sig}: stopped everything the demo started`, {
        exitCode: 130,
      }),
    );
  const onInt = () => onSignal('interrupted');
  const onTerm = () => onSignal('terminated');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  const session = new DemoSession({
    signal: stop.signal,
    onAction: (a) => view.action(a, (t) => session.named(t)),
  });
  // Whatever ends this process, the proxy process ends with it.
  const onExit = () => session.killNow();
  process.on('exit', onExit);
  const began = Date.now();
  let summary: DemoSummary | undefined;
  try {
    view.line(
      'kubeha demo: planning examples/mycluster, starting three lab API servers and kubeha proxy ...',
    );
    await session.start();
    view.setup(session);
    const steps = await runStory(session, view);
    await session.stopClients();
    view.stop();
    const problems = judge(steps);
    summary = {
      ok: problems.length === 0,
      problems,
      durationMs: Date.now() - began,
      inventory: DEMO_INVENTORY_NAME,
      node: session.plan.host.name,
      proxy: {
        pid: session.proxy!.pid,
        listen: session.listen,
        admin: session.admin,
        statusPage: session.statusUrl,
      },
      upstreams: session.nodes,
      steps,
      totals: totals(steps, session.watch!.events.length, session.watch!.ends.length),
    };
    out.write(`\n${formatSummary(summary)}\n`);
    if (opts.keep) {
      out.write(keepText(session));
      if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      await new Promise((resolve) => stop.signal.addEventListener('abort', resolve));
    }
  } catch (err) {
    // Ctrl-C after --keep printed its text is how one stops it: not an error.
    if (!(opts.keep && summary && stop.signal.aborted)) throw err;
  } finally {
    view.stop();
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    await session.stop();
    process.off('exit', onExit);
  }
  const left = await stillListening([
    session.listen,
    session.admin,
    ...session.nodes.map((n) => n.address),
  ]);
  if (left.length > 0)
    throw new KubehaError('E_DEMO_LEFTOVER', `still listening after the demo: ${left.join(', ')}`, {
      exitCode: 1,
    });
  if (opts.json && !opts.keep) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  if (!summary?.ok) process.exitCode = 1;
}

function keepText(s: DemoSession): string {
  return [
    '',
    `Kept running (pid ${process.pid} holds the lab; kubeha proxy is pid ${s.proxy!.pid}):`,
    `  status page  ${s.statusUrl}`,
    `  kubeconfig   ${s.kubeconfigFile}`,
    `               kubectl --kubeconfig ${s.kubeconfigFile} get --raw /version`,
    `  stop         Ctrl-C here, or kill ${process.pid}: both stop the proxy and the lab and remove ${s.dir}`,
    '',
  ].join('\n');
}

/** Addresses something still accepts connections on. */
async function stillListening(all: string[]): Promise<string[]> {
  const addresses = all.filter(Boolean);
  const open = await Promise.all(
    addresses.map(
      (a) =>
        new Promise<boolean>((resolve) => {
          const { host, port } = parseHostPort(a);
          const sock = connect({ host, port });
          sock.setTimeout(1000, () => sock.destroy());
          sock.once('connect', () => {
            sock.destroy();
            resolve(true);
          });
          sock.once('error', () => resolve(false));
          sock.once('close', () => resolve(false));
        }),
    ),
  );
  return addresses.filter((_, i) => open[i]);
}
