/**
 * wrk as the load generator: one thread (the machine has two cores, shared with
 * the peer and the upstream), fixed connections, --latency for the percentiles.
 */
import { formatHostPort, type HostPort } from '../../src/shared/address.js';
import { runToEnd } from './processes.js';

export interface WrkLoad {
  path: string;
  connections: number;
  seconds: number;
  /** One request per connection: wrk reconnects after every `Connection: close` answer. */
  closeEachRequest: boolean;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  requestsPerSec: number;
  bytesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Socket errors (connect/read/write/timeout) plus non-2xx/3xx answers. */
  errors: number;
}

export function wrkArgs(target: HostPort, load: WrkLoad): string[] {
  const args = [
    '-t1',
    `-c${load.connections}`,
    `-d${load.seconds}s`,
    '--timeout',
    '5s',
    '--latency',
  ];
  if (load.closeEachRequest) args.push('-H', 'Connection: close');
  args.push(`http://${formatHostPort(target)}${load.path}`);
  return args;
}

export async function runWrk(target: HostPort, load: WrkLoad): Promise<WrkResult> {
  const r = await runToEnd('wrk', 'wrk', wrkArgs(target, load), (load.seconds + 15) * 1000);
  if (r.code !== '0') throw new Error(`wrk failed (${r.code}): ${r.stderr || r.stdout}`);
  return parseWrk(r.stdout, { closeEachRequest: load.closeEachRequest });
}

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60000 };
const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  TB: 1024 ** 4,
};

function ms(value: string, unit: string): number {
  const f = TIME_UNITS[unit];
  if (f === undefined) throw new Error(`wrk: unknown time unit ${unit}`);
  return Number(value) * f;
}

/** Parses wrk 4.x output (test/bench/proxy-harness.test.ts); throws on a mismatch. */
export function parseWrk(out: string, opts: { closeEachRequest?: boolean } = {}): WrkResult {
  const need = (re: RegExp, what: string): RegExpExecArray => {
    const m = re.exec(out);
    if (!m) throw new Error(`wrk output without ${what}:\n${out}`);
    return m;
  };
  const total = need(/(\d+) requests in ([\d.]+)(us|ms|s|m),/, 'request count');
  const rps = need(/Requests\/sec:\s+([\d.]+)/, 'Requests/sec');
  const tps = need(/Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB|TB)/, 'Transfer/sec');
  const p50 = need(/^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$/m, 'p50');
  const p99 = need(/^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m, 'p99');
  let errors = 0;
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  // With Connection: close, wrk counts the server's close after each answer as a
  // read error in some builds; only connect/write/timeout errors are failures then.
  if (sock) {
    errors += Number(sock[1]) + Number(sock[3]) + Number(sock[4]);
    if (!opts.closeEachRequest) errors += Number(sock[2]);
  }
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (non2xx) errors += Number(non2xx[1]);
  return {
    requests: Number(total[1]),
    seconds: ms(total[2]!, total[3]!) / 1000,
    requestsPerSec: Number(rps[1]),
    bytesPerSec: Number(tps[1]) * SIZE_UNITS[tps[2]!]!,
    p50Ms: ms(p50[1]!, p50[2]!),
    p99Ms: ms(p99[1]!, p99[2]!),
    errors,
  };
}
