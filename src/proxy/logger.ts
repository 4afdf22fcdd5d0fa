/**
 * The proxy's logger (pino). Two formats: JSON lines for log collectors, with
 * the level as a name ("warn", not 40) so a reader need not know pino's numbers,
 * and text for a person at a terminal:
 *
 *   2026-11-30T07:00:00.000Z WARN  upstream 192.168.10.12:6443 healthy -> unhealthy: … upstream=… reason=…
 *
 * Logging is never on the data path (one line per state change), so the text
 * format is plain: pino writes its JSON line into a small stream that rewrites
 * it, synchronously, no worker thread and no extra dependency.
 */
import { Writable } from 'node:stream';
import { pino, type Logger, type LevelWithSilent } from 'pino';

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Text on a terminal, JSON otherwise (a container's stdout, a journal, a pipe). */
export function defaultLogFormat(isTTY: boolean | undefined): LogFormat {
  return isTTY ? 'text' : 'json';
}

/** Fields every line has, left out of the text format's key=value tail. */
const FIXED = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'worker']);

function textValue(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[\s"=]/.test(s) ? JSON.stringify(s) : s;
}

/** One pino JSON line as text; a line that is not JSON passes through. */
export function formatTextLine(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = String(o.level ?? '').toUpperCase();
  const extra = Object.entries(o)
    .filter(([k]) => !FIXED.has(k))
    .map(([k, v]) => `${k}=${textValue(v)}`);
  const who = o.worker ? ` [worker ${String(o.pid)}]` : '';
  return `${String(o.time ?? '')} ${level.padEnd(5)}${who} ${String(o.msg ?? '')}${extra.length ? `  ${extra.join(' ')}` : ''}`;
}

/** A stream that writes each JSON line it receives as text to `out`. */
export function textStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      const text = chunk
        .toString()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => `${formatTextLine(l)}\n`)
        .join('');
      out.write(text);
      cb();
    },
  });
}

export interface LoggerOptions {
  level: LevelWithSilent;
  format: LogFormat;
  base?: Record<string, unknown>;
  /** Default: stdout. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(o: LoggerOptions): Logger {
  const options = {
    level: o.level,
    base: o.base ?? { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (o.format === 'text') return pino(options, textStream(o.destination ?? process.stdout));
  // pino's own synchronous stdout writer unless told otherwise
  return o.destination ? pino(options, o.destination) : pino(options);
}
