import { readFileSync } from 'node:fs';

let cached: string | undefined;

/**
 * kubeha's version from its package.json (dist/src/shared/ → the package root).
 * Read once, synchronously: it is a constant of the installed package, which the
 * planner needs for the default kubeha image tag.
 */
export function kubehaVersion(): string {
  if (cached === undefined) {
    const url = new URL('../../../package.json', import.meta.url);
    cached = (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  }
  return cached;
}
