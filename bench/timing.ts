import { spawnSync } from 'node:child_process';

export interface Timed {
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
}

/** Wall-clock time of whole commands, runs interleaved A B A B … so drift hits both. */
export function timeCommands(
  commands: Record<string, { cmd: string; args: string[]; cwd?: string }>,
  runs: number,
): Record<string, Timed> {
  const samples: Record<string, number[]> = Object.fromEntries(
    Object.keys(commands).map((k) => [k, []]),
  );
  for (let i = 0; i < runs; i++) {
    for (const [name, c] of Object.entries(commands)) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(c.cmd, c.args, {
        cwd: c.cwd,
        stdio: ['ignore', 'ignore', 'pipe'],
        maxBuffer: 1 << 28,
      });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0)
        throw new Error(`${name} failed (${r.status}): ${r.stderr?.toString().slice(0, 500)}`);
      samples[name]!.push(ms);
    }
  }
  const out: Record<string, Timed> = {};
  for (const [name, xs] of Object.entries(samples)) {
    const s = [...xs].sort((a, b) => a - b);
    out[name] = {
      medianMs: s[Math.floor(s.length / 2)]!,
      minMs: s[0]!,
      maxMs: s[s.length - 1]!,
      runs: s.length,
    };
  }
  return out;
}
