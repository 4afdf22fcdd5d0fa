/**
 * The lines a proxy logs at start and stop, shared by the single-process daemon
 * and the supervisor of multi-process mode, so both say the same things.
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { ProxyConfig } from './config-schema.js';
import type { FileLimit } from './limits.js';

export function logFileLimit(
  log: Logger,
  limit: FileLimit | undefined,
  maxConnections: number,
): void {
  log.info(
    { nofileSoft: limit?.soft, nofileHard: limit?.hard, maxConnections },
    `open-file limit ${limit?.soft ?? 'unknown'}: up to ${maxConnections} client connections (2 descriptors each)`,
  );
}

export function logServing(
  log: Logger,
  cfg: ProxyConfig,
  listen: string[],
  admin: string | undefined,
): void {
  log.info(
    { listen, upstreams: cfg.upstreams, admin, algorithm: cfg.algorithm, reusePort: cfg.reusePort },
    `kubeha proxy serving ${listen.join(', ')} -> ${cfg.upstreams.join(', ')}`,
  );
  if (cfg.reusePort && migrateReqSysctl() === '0')
    log.info(
      { sysctl: 'net.ipv4.tcp_migrate_req', value: 0 },
      'net.ipv4.tcp_migrate_req is 0: during a hitless restart, a connection the kernel queued on the old instance in the instant its listener closes is reset; set it to 1 to hand such connections to the new instance',
    );
}

function migrateReqSysctl(): string | undefined {
  try {
    return readFileSync('/proc/sys/net/ipv4/tcp_migrate_req', 'utf8').trim();
  } catch {
    return undefined; // not Linux, or a kernel before 5.14
  }
}

export function logStopped(log: Logger, closed: number): void {
  log.info(
    { closed },
    `stopped${closed > 0 ? `, closed ${closed} connection(s) at the end of the drain` : ''}`,
  );
}
