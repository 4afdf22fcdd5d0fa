import { readFile } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { createLogger, defaultLogFormat, LOG_FORMATS, type LogFormat } from '../proxy/logger.js';
import { KubehaError, formatError, isKubehaError } from '../shared/errors.js';
import type { RawConfig } from '../proxy/config.js';
import { loadProxyConfigIsolated } from '../proxy/config-isolated.js';

export interface ProxyOptions {
  config?: string;
  listen?: string[];
  upstream?: string[];
  bindRetry?: string;
  /** commander's --no-reuse-port: false when given, true otherwise (then left to the file). */
  reusePort?: boolean;
  admin?: string;
  algorithm?: string;
  healthCheck?: string;
  healthPath?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  logLevel?: string;
  logFormat?: string;
  discover?: boolean;
  kubeconfig?: string;
  stateDir?: string;
  workers?: number;
  checkConfig?: boolean;
  schema?: boolean;
}

/** Flags as a partial configuration, in the file's key names. */
export function flagsToConfig(o: ProxyOptions): RawConfig {
  const hc: RawConfig = {
    kind: o.healthCheck,
    path: o.healthPath,
    caFile: o.caFile,
    certFile: o.certFile,
    keyFile: o.keyFile,
  };
  const hcSet = Object.values(hc).some((v) => v !== undefined);
  return {
    listen: o.listen,
    upstreams: o.upstream,
    bindRetry: o.bindRetry,
    reusePort: o.reusePort === false ? false : undefined,
    admin: o.admin === 'off' ? null : o.admin,
    algorithm: o.algorithm,
    logLevel: o.logLevel,
    workers: o.workers,
    stateDir: o.stateDir,
    discovery:
      o.discover || o.kubeconfig !== undefined
        ? Object.fromEntries(
            Object.entries({
              kubernetesEndpoints: o.discover,
              kubeconfig: o.kubeconfig,
            }).filter(([, v]) => v !== undefined),
          )
        : undefined,
    healthCheck: hcSet
      ? Object.fromEntries(Object.entries(hc).filter(([, v]) => v !== undefined))
      : undefined,
  };
}

async function packageVersion(): Promise<string> {
  const url = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(await readFile(url, 'utf8')) as { version: string }).version;
}

export async function runProxy(opts: ProxyOptions): Promise<void> {
  if (opts.schema) {
    const { proxyConfigJsonSchema } = await import('../proxy/config-schema.js');
    process.stdout.write(`${JSON.stringify(proxyConfigJsonSchema(), null, 2)}\n`);
    return;
  }
  if (opts.config === undefined && (opts.upstream ?? []).length === 0) {
    throw new KubehaError('E_USAGE', 'no upstreams', {
      hint: 'give --upstream HOST:PORT (repeatable) or --config FILE',
    });
  }
  if (opts.logFormat !== undefined && !LOG_FORMATS.includes(opts.logFormat as LogFormat)) {
    throw new KubehaError('E_USAGE', `--log-format ${opts.logFormat}: expected text or json`);
  }
  const logFormat =
    (opts.logFormat as LogFormat | undefined) ?? defaultLogFormat(process.stdout.isTTY);
  const flags = flagsToConfig(opts);
  // yaml and zod load in a thread that ends after each load: the proxy never keeps them.
  const load = () => loadProxyConfigIsolated(opts.config, flags);
  const cfg = await load();
  if (opts.checkConfig) {
    process.stdout.write(`${JSON.stringify(cfg, null, 2)}\n`);
    return;
  }
  const logger = createLogger({ level: cfg.logLevel, format: logFormat });
  const version = await packageVersion();
  // Each process loads only the composition it runs.
  const daemon =
    cfg.workers > 1
      ? new (await import('../proxy/cluster-supervisor.js')).ProxySupervisor(
          cfg,
          logger,
          version,
          logFormat,
        )
      : new (await import('../proxy/daemon.js')).ProxyDaemon(cfg, { logger, version });
  await daemon.start();

  // Reloads run one at a time; a bad config is logged and the running one kept.
  let chain = Promise.resolve();
  const reload = (why: string) => {
    chain = chain.then(async () => {
      try {
        await daemon.reload(await load());
        logger.info({ trigger: why }, `reloaded (${why})`);
      } catch (err) {
        const msg = isKubehaError(err)
          ? `${formatError(err)}${err.also.length > 0 ? ` (and ${err.also.length} more: ${err.also.map(formatError).join('; ')})` : ''}`
          : (err as Error).message;
        logger.error(
          { trigger: why, error: msg },
          `reload rejected, keeping the running configuration: ${msg}`,
        );
      }
    });
  };
  const onHup = () => reload('SIGHUP');
  process.on('SIGHUP', onHup);
  const watcher = opts.config
    ? watchFile(
        opts.config,
        () => reload('config file changed'),
        (err) =>
          logger.warn(
            { error: err.message },
            `stopped watching ${opts.config}: ${err.message}; SIGHUP still reloads`,
          ),
      )
    : undefined;

  await new Promise<void>((done) => {
    process.once('SIGTERM', done);
    process.once('SIGINT', done);
  });
  logger.info('signal received: stopping gracefully');
  process.off('SIGHUP', onHup);
  watcher?.close();
  await chain;
  await daemon.stop();
}

/**
 * Watches the file's directory, not the file: editors and ConfigMap mounts
 * replace files by rename. Fires only when the content really changed.
 */
function watchFile(path: string, changed: () => void, failed: (err: Error) => void): FSWatcher {
  const abs = resolve(path);
  let last = '';
  let timer: NodeJS.Timeout | undefined;
  const digest = async () => {
    try {
      return createHash('sha256')
        .update(await readFile(abs))
        .digest('hex');
    } catch {
      return '';
    }
  };
  void digest().then((d) => (last = d));
  const w = watch(dirname(abs), (_event, name) => {
    if (name !== null && name !== basename(abs) && !name.startsWith('..')) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      void digest().then((d) => {
        if (d === '' || d === last) return;
        last = d;
        changed();
      });
    }, 200);
  });
  w.on('close', () => clearTimeout(timer));
  // The directory removed or unreadable: keep serving with the running configuration.
  w.on('error', (err) => {
    w.close();
    failed(err);
  });
  return w;
}
