/**
 * kubeha's one error type. Every failure a user can cause carries a stable `code`
 * (for scripts and tests) and, where there is a file, the position in it. The CLI
 * prints `formatError(err)` as one line (and one more line for each error in
 * `also`, where a check found several at once) and exits non-zero; it never prints a
 * stack for a KubehaError.
 */
export interface SourcePosition {
  file?: string;
  line?: number;
  col?: number;
}

export class KubehaError extends Error {
  override readonly name = 'KubehaError';
  readonly code: string;
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
  readonly hint?: string;
  /** Exit code the CLI uses: 2 for unreadable/invalid input, 1 for failed checks. */
  readonly exitCode: number;
  /** Further errors found in the same input (a configuration with three bad keys). */
  readonly also: KubehaError[];

  constructor(
    code: string,
    message: string,
    opts: SourcePosition & {
      hint?: string;
      exitCode?: number;
      cause?: unknown;
      also?: KubehaError[];
    } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.file = opts.file;
    this.line = opts.line;
    this.col = opts.col;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? 2;
    this.also = opts.also ?? [];
  }
}

export function isKubehaError(err: unknown): err is KubehaError {
  return err instanceof KubehaError;
}

/** `FILE:LINE:COL: message (hint)`, leaving out the parts that are unknown. */
export function formatLocated(pos: SourcePosition, message: string, hint?: string): string {
  let where = '';
  if (pos.file !== undefined) {
    where = pos.file;
    if (pos.line !== undefined) {
      where += `:${pos.line}`;
      if (pos.col !== undefined) where += `:${pos.col}`;
    }
    where += ': ';
  }
  return `${where}${message}${hint ? ` (${hint})` : ''}`;
}

export function formatError(err: KubehaError): string {
  return formatLocated(err, err.message, err.hint);
}
