/**
 * The proxy benchmark's output: Markdown tables (values with spread, then ratios to
 * nginx and to direct) and the summary rows the JSON file keeps next to the raw samples.
 */
import type { FailoverResult, FailoverId } from './failover.js';
import { FAILOVER_TITLES } from './failover.js';
import type { MemorySample } from './idle-connections.js';
import type { PeerSpec } from './peers.js';
import type { MachineDescription } from './machine.js';
import { profileTable, type ProfileSummary } from './cpu-profile.js';
import { summarize, type Summary } from './stats.js';
import type { LoadId, LoadSample, ThroughputResults } from './throughput.js';

export interface MetricRow {
  id: string;
  title: string;
  unit: string;
  higherIsBetter: boolean;
  /** peer id → summary over rounds (absent: not measured for that peer). */
  values: Record<string, Summary | undefined>;
  /** peer id → the per-round values, in round order (rounds are interleaved, so index i pairs up). */
  rounds?: Record<string, number[]>;
}

interface MetricDef {
  id: string;
  title: string;
  unit: string;
  higherIsBetter: boolean;
  load: LoadId;
  pick: (s: LoadSample) => number | undefined;
}

const METRICS: MetricDef[] = [
  {
    id: 'keepalive.rps',
    title: '1 keep-alive requests/s',
    unit: 'req/s',
    higherIsBetter: true,
    load: 'keepalive',
    pick: (s) => s.requestsPerSec,
  },
  {
    id: 'keepalive.p50',
    title: '1 keep-alive p50 latency',
    unit: 'ms',
    higherIsBetter: false,
    load: 'keepalive',
    pick: (s) => s.p50Ms,
  },
  {
    id: 'keepalive.p99',
    title: '1 keep-alive p99 latency',
    unit: 'ms',
    higherIsBetter: false,
    load: 'keepalive',
    pick: (s) => s.p99Ms,
  },
  {
    id: 'newconn.rps',
    title: '2 new connections/s (1 request each)',
    unit: 'conn/s',
    higherIsBetter: true,
    load: 'newconn',
    pick: (s) => s.requestsPerSec,
  },
  {
    id: 'newconn.p99',
    title: '2 new-connection p99 latency',
    unit: 'ms',
    higherIsBetter: false,
    load: 'newconn',
    pick: (s) => s.p99Ms,
  },
  {
    id: 'keepalive50.rps',
    title: '1b keep-alive requests/s (50 connections, 3-byte body)',
    unit: 'req/s',
    higherIsBetter: true,
    load: 'keepalive50',
    pick: (s) => s.requestsPerSec,
  },
  {
    id: 'newconn20.rps',
    title: '2b new connections/s (20 connections, 3-byte body)',
    unit: 'conn/s',
    higherIsBetter: true,
    load: 'newconn20',
    pick: (s) => s.requestsPerSec,
  },
  {
    id: 'bulk.mbps',
    title: '3 bulk throughput (32 MiB bodies)',
    unit: 'MB/s',
    higherIsBetter: true,
    load: 'bulk',
    pick: (s) => s.mbPerSec,
  },
  {
    id: 'cpu.keepalive',
    title: '6 CPU per 100k keep-alive requests',
    unit: 's',
    higherIsBetter: false,
    load: 'keepalive',
    pick: (s) => s.cpuSecondsPer100k,
  },
  {
    id: 'cpu.keepalive50',
    title: '6b CPU per 100k keep-alive requests (50 connections, 3-byte body)',
    unit: 's',
    higherIsBetter: false,
    load: 'keepalive50',
    pick: (s) => s.cpuSecondsPer100k,
  },
  {
    id: 'cpu.newconn20',
    title: '6b CPU per 100k new connections (20 connections, 3-byte body)',
    unit: 's',
    higherIsBetter: false,
    load: 'newconn20',
    pick: (s) => s.cpuSecondsPer100k,
  },
  {
    id: 'cpu.newconn',
    title: '6 CPU per 100k new connections',
    unit: 's',
    higherIsBetter: false,
    load: 'newconn',
    pick: (s) => s.cpuSecondsPer100k,
  },
];

export function metricRows(
  peers: PeerSpec[],
  throughput: ThroughputResults | undefined,
  memory: Record<string, MemorySample[]>,
): MetricRow[] {
  const rows: MetricRow[] = [];
  if (throughput) {
    for (const m of METRICS) {
      const values: Record<string, Summary | undefined> = {};
      const rounds: Record<string, number[]> = {};
      if (!peers.some((p) => throughput[m.load][p.id]?.length)) continue; // load not run
      for (const p of peers) {
        const xs = (throughput[m.load][p.id] ?? [])
          .map(m.pick)
          .filter((x): x is number => x !== undefined);
        values[p.id] = summarize(xs);
        rounds[p.id] = xs;
      }
      rows.push({
        id: m.id,
        title: m.title,
        unit: m.unit,
        higherIsBetter: m.higherIsBetter,
        values,
        rounds,
      });
    }
  }
  const mem = (id: string, title: string, unit: string, pick: (s: MemorySample) => number) => {
    const values: Record<string, Summary | undefined> = {};
    for (const p of peers) values[p.id] = summarize((memory[p.id] ?? []).map(pick));
    rows.push({ id, title, unit, higherIsBetter: false, values });
  };
  if (Object.keys(memory).length) {
    mem(
      'memory.perConnection',
      '4 RSS per idle proxied connection',
      'KiB',
      (s) => s.perConnectionKiB,
    );
    mem('memory.base', '4 RSS after a fresh start', 'MiB', (s) => s.rssBeforeKiB / 1024);
    mem('memory.loaded', '4 RSS holding the idle connections', 'MiB', (s) => s.rssAfterKiB / 1024);
  }
  return rows;
}

function num(x: number): string {
  if (!Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}

function cell(s: Summary | undefined): string {
  if (!s) return '—';
  return s.n > 1 ? `${num(s.median)} ±${s.spreadPct.toFixed(0)}%` : num(s.median);
}

/**
 * a ÷ b. With per-round values of both, the median of the round-by-round ratios: the two
 * ran back to back, so a slow minute on the shared machine hits both sides of one ratio.
 */
function ratio(row: MetricRow, a: string, b: string): string {
  const xa = row.rounds?.[a];
  const xb = row.rounds?.[b];
  let r: number | undefined;
  if (xa && xb && xa.length === xb.length && xa.length > 0) {
    r = summarize(xa.map((x, i) => x / xb[i]!))?.median;
  } else {
    const sa = row.values[a];
    const sb = row.values[b];
    if (sa && sb && sb.median !== 0) r = sa.median / sb.median;
  }
  return r !== undefined && Number.isFinite(r) ? `${r.toFixed(2)}×` : '—';
}

export function valuesTable(peers: PeerSpec[], rows: MetricRow[]): string {
  const head = `| measurement | unit | ${peers.map((p) => p.label).join(' | ')} |`;
  const sep = `|---|---|${peers.map(() => '---:').join('|')}|`;
  const body = rows.map(
    (r) => `| ${r.title} | ${r.unit} | ${peers.map((p) => cell(r.values[p.id])).join(' | ')} |`,
  );
  return [head, sep, ...body].join('\n');
}

/**
 * Ratio of each proxy's median to nginx (1 worker) and to direct, one cell "÷ nginx / ÷ direct";
 * for "lower is better" rows too.
 */
export function ratioTable(peers: PeerSpec[], rows: MetricRow[]): string {
  const proxies = peers.filter((p) => p.kind !== 'direct');
  const head = `| measurement (÷ nginx / ÷ direct) | ${proxies.map((p) => p.label).join(' | ')} |`;
  const sep = `|---|${proxies.map(() => '---:').join('|')}|`;
  const body = rows.map((r) => {
    const cells = proxies.map((p) => {
      // Like with like: two kubeha workers against Kubespray's two nginx workers.
      const ref =
        p.kind === 'kubeha' && p.workers === 2 && r.values['nginx-2w'] ? 'nginx-2w' : 'nginx';
      const toNginx = p.id === ref ? '—' : ratio(r, p.id, ref);
      return `${toNginx} / ${ratio(r, p.id, 'direct')}`;
    });
    return `| ${r.title} | ${cells.join(' | ')} |`;
  });
  return [head, sep, ...body].join('\n');
}

function streamText(r: FailoverResult): string {
  if (!r.watchOnAffected) return 'no stream landed on it';
  return r.watchClosedSeconds === undefined
    ? `stream kept (not within ${r.windowSeconds} s)`
    : `stream closed at ${r.watchClosedSeconds.toFixed(1)} s`;
}

function failoverCell(r: FailoverResult | undefined): string {
  if (!r) return '—';
  const w = r.windowSeconds;
  const fails = `${r.failed}/${r.requests} failed${r.slow ? `, ${r.slow} slow` : ''}`;
  switch (r.scenario) {
    case 'kill':
      return fails;
    case 'hang': {
      const last =
        r.lastBadSeconds === undefined
          ? 'unaffected'
          : r.lastBadSeconds > w - 1.5
            ? `still failing at ${r.lastBadSeconds.toFixed(0)} s (not within ${w} s)`
            : `last bad request started at ${r.lastBadSeconds.toFixed(1)} s`;
      return `${fails}; ${last}; ${streamText(r)}`;
    }
    case 'unready': {
      const stream = streamText(r);
      const picks =
        r.lastToAffectedSeconds === undefined
          ? 'no new requests to it'
          : r.lastToAffectedSeconds > w - 1.5
            ? `new requests still sent to it at ${r.lastToAffectedSeconds.toFixed(0)} s`
            : `new requests avoid it after ${r.lastToAffectedSeconds.toFixed(1)} s`;
      return `${stream}; ${picks}${r.failed ? `; ${fails}` : ''}`;
    }
    case 'allUnready': {
      const pct = Number.isFinite(r.servingLastThird)
        ? `${(r.servingLastThird * 100).toFixed(0)}%`
        : '—';
      return `${r.servingLastThird >= 0.99 ? 'keeps serving' : 'STOPS serving'} (${pct} ok in last third); ${fails}`;
    }
  }
}

export function failoverTable(peers: PeerSpec[], results: FailoverResult[]): string {
  const ids = [...new Set(results.map((r) => r.peer))];
  const cols = peers.filter((p) => ids.includes(p.id));
  const head = `| scenario (window) | ${cols.map((p) => (p.kind === 'direct' ? 'direct (pinned to the affected server)' : p.label)).join(' | ')} |`;
  const sep = `|---|${cols.map(() => '---').join('|')}|`;
  const order: FailoverId[] = ['kill', 'hang', 'unready', 'allUnready'];
  const body = order
    .filter((id) => results.some((r) => r.scenario === id))
    .map((id) => {
      const w = results.find((r) => r.scenario === id)!.windowSeconds;
      const cells = cols.map((p) =>
        failoverCell(results.find((r) => r.scenario === id && r.peer === p.id)),
      );
      return `| ${FAILOVER_TITLES[id]} (${w} s) | ${cells.join(' | ')} |`;
    });
  return [head, sep, ...body].join('\n');
}

/** What bench/results/latest.json holds. */
export interface BenchDocument {
  suite: 'proxy';
  startedAt: string;
  durationSeconds: number;
  machine: MachineDescription;
  settings: { mode: string; rounds: number; seconds: number } & Record<string, unknown>;
  peers: PeerSpec[];
  summary: MetricRow[];
  failover: FailoverResult[];
  profile?: ProfileSummary;
  notes: string[];
  samples: unknown;
}

export function renderMarkdown(doc: BenchDocument): string {
  const m = doc.machine;
  const s = doc.settings;
  const out: string[] = [
    `proxy benchmark, ${doc.startedAt.slice(0, 16).replace('T', ' ')} UTC: ${m.nproc} × ${m.cpuModel}, ${m.memoryMiB} MiB, ` +
      `load ${m.loadAverageAtStart.join(' ')} at start; ${m.versions.nginx}, ${m.versions.haproxy}, ` +
      `Node ${m.versions.node}, kubeha ${m.versions.kubeha}; ${s.mode} mode: ${s.rounds} interleaved rounds × ${s.seconds} s`,
  ];
  if (doc.summary.length)
    out.push(
      '',
      valuesTable(doc.peers, doc.summary),
      '',
      'Ratios (median of round-by-round ratios; for latency, CPU and memory lower is better):',
      '',
      ratioTable(doc.peers, doc.summary),
    );
  if (doc.failover.length) out.push('', failoverTable(doc.peers, doc.failover));
  if (doc.profile)
    out.push(
      '',
      'kubeha CPU profile, top self-time frames over all runs:',
      '',
      profileTable(doc.profile),
    );
  if (doc.notes.length) out.push('', ...doc.notes.map((n) => `- ${n}`));
  return out.join('\n');
}
