/**
 * Reads the .cpuprofile files `node --cpu-prof` wrote for the kubeha peers and lists
 * the frames with the most self time, summed over all runs: the hot-path hints the
 * proxy's author asked for, without opening DevTools.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface FrameTime {
  frame: string;
  selfPct: number;
  samples: number;
}

export function topFrames(profiles: CpuProfile[], limit = 15): FrameTime[] {
  const byFrame = new Map<string, number>();
  let total = 0;
  for (const p of profiles) {
    for (const n of p.nodes) {
      const hits = n.hitCount ?? 0;
      const f = n.callFrame;
      // The proxy idles while other peers are measured: shares are of busy time only.
      if (!hits || f.functionName === '(idle)') continue;
      const where = f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : 'native';
      const key = `${f.functionName || '(anonymous)'} ${where}`;
      byFrame.set(key, (byFrame.get(key) ?? 0) + hits);
      total += hits;
    }
  }
  return [...byFrame.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([frame, samples]) => ({ frame, samples, selfPct: total ? (samples / total) * 100 : 0 }));
}

export interface ProfileSummary {
  dir: string;
  files: number;
  top: FrameTime[];
}

export function summarizeProfiles(dir: string): ProfileSummary | undefined {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return undefined;
  }
  if (!files.length) return undefined;
  const profiles = files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile);
  return { dir, files: files.length, top: topFrames(profiles) };
}

export function profileTable(p: ProfileSummary): string {
  const lines = ['| self % of busy | samples | frame |', '|---:|---:|---|'];
  for (const t of p.top) lines.push(`| ${t.selfPct.toFixed(1)} | ${t.samples} | \`${t.frame}\` |`);
  lines.push('', `(${p.files} profile(s) in ${p.dir})`);
  return lines.join('\n');
}
