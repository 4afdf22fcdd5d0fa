import { KubehaError, formatLocated, type SourcePosition } from './errors.js';

/**
 * A coded finding collected by a parsing or checking stage. Stages collect these
 * instead of throwing so that one run reports every problem; the caller decides
 * whether an `error` diagnostic stops the command.
 */
export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic extends SourcePosition {
  code: string;
  severity: Severity;
  message: string;
  hint?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const prefix = d.severity === 'error' ? '' : `${d.severity}: `;
  return formatLocated(d, `${prefix}${d.message}`, d.hint);
}

export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  add(d: Diagnostic): void {
    this.items.push(d);
  }

  error(code: string, message: string, pos: SourcePosition = {}, hint?: string): void {
    this.add({ code, severity: 'error', message, hint, ...pos });
  }

  warn(code: string, message: string, pos: SourcePosition = {}, hint?: string): void {
    this.add({ code, severity: 'warning', message, hint, ...pos });
  }

  get errors(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'error');
  }

  get warnings(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'warning');
  }

  /** Throws the first error as a KubehaError (exit code 2), if there is one. */
  throwIfErrors(): void {
    const first = this.items.find((d) => d.severity === 'error');
    if (first) {
      throw new KubehaError(first.code, first.message, {
        file: first.file,
        line: first.line,
        col: first.col,
        hint: first.hint,
      });
    }
  }
}
