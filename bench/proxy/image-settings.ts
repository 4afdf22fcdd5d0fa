/**
 * The settings the image runs kubeha with, read from the Containerfile (the one
 * place they are set; scripts/build-image.sh reads the same line), so a benchmark
 * measures kubeha as it will run on the nodes.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export function imageNodeOptions(containerfile = resolve('Containerfile')): string {
  const text = readFileSync(containerfile, 'utf8');
  const m = /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(text);
  if (!m) throw new Error(`${containerfile}: no ENV NODE_OPTIONS="..." line`);
  return m[1]!;
}
