import { KubehaError } from '../shared/errors.js';
import { isLoopback, parseHostPort } from '../shared/address.js';
import { startLabCluster, writeLabFiles } from '../lab/cluster.js';
import { createLabControl } from '../lab/control.js';

export interface LabOptions {
  hosts: string;
  port: string;
  dir: string;
  kubeconfigServer: string;
  control: string;
  anonymousAuth: boolean;
  watchInterval: string;
  endpointLeaseTtl: string;
}

export async function runLab(opts: LabOptions): Promise<void> {
  const port = Number(opts.port);
  const watchEventIntervalMs = Number(opts.watchInterval);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new KubehaError('E_USAGE', `--port: not a port: ${opts.port}`);
  }
  if (!Number.isFinite(watchEventIntervalMs) || watchEventIntervalMs < 10) {
    throw new KubehaError(
      'E_USAGE',
      `--watch-interval: expected milliseconds >= 10, got ${opts.watchInterval}`,
    );
  }
  const endpointLeaseTtlMs = Number(opts.endpointLeaseTtl);
  if (!Number.isFinite(endpointLeaseTtlMs) || endpointLeaseTtlMs < 0) {
    throw new KubehaError(
      'E_USAGE',
      `--endpoint-lease-ttl: expected milliseconds >= 0, got ${opts.endpointLeaseTtl}`,
    );
  }
  const control = parseHostPort(opts.control);
  if (!isLoopback(control.host)) {
    throw new KubehaError('E_USAGE', `--control must be a loopback address, not ${control.host}`);
  }
  const lab = await startLabCluster({
    hosts: opts.hosts
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean),
    port,
    anonymousAuth: opts.anonymousAuth,
    watchEventIntervalMs,
    endpointLeaseTtlMs,
  });
  const files = await writeLabFiles(opts.dir, lab, opts.kubeconfigServer);
  const server = createLabControl(lab);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new KubehaError('E_LISTEN', `--control ${opts.control}: ${err.message}`)),
    );
    server.listen({ host: control.host, port: control.port }, resolve);
  }).catch(async (err) => {
    await lab.close();
    throw err;
  });
  process.stdout.write(
    [
      `lab API servers: ${lab.servers.map((s) => s.url).join(' ')}`,
      `files: ${files.join(' ')}`,
      `control: curl -XPOST http://${opts.control}/${lab.servers[0]!.address}/unready  (ready|refuse|hang|die|resume|remove; POST /add?host=ADDRESS adds one)`,
      'Ctrl-C to stop',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  server.closeAllConnections();
  server.close();
  await lab.close();
}
