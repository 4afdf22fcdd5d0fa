/**
 * `npm run bench -- proxy [--quick]`: kubeha proxy side by side with the peers it
 * replaces — nginx stream and HAProxy configured as Kubespray configures them — and a
 * direct connection, all on loopback, in one run. Markdown on stdout, JSON in
 * bench/results/latest.json. Flags: --quick, --two-workers (2-worker columns in quick mode too),
 * --no-throughput, --no-memory, --no-failover, --loads=keepalive,newconn,bulk,
 * --peers=nginx,nginx-2w,haproxy,kubeha,kubeha-2w (direct always runs), --cpu-prof,
 * --report[=FILE] (print the tables of an earlier run's JSON).
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../src/shared/atomic-write.js';
import { runFailover, loadLab, type FailoverResult, type FailoverId } from './proxy/failover.js';
import { measureIdleConnections, type MemorySample } from './proxy/idle-connections.js';
import { describeMachine, missingTools } from './proxy/machine.js';
import {
  haproxyConfig,
  kubehaArgs,
  nginxStreamConfig,
  HAPROXY_DEVIATIONS,
  NGINX_DEVIATIONS,
} from './proxy/peer-configs.js';
import { kubehaProxyAvailability, peerSpecs, startPeer, type RunningPeer } from './proxy/peers.js';
import { freePort, killAllNow } from './proxy/processes.js';
import { metricRows, renderMarkdown, type BenchDocument } from './proxy/report.js';
import {
  errorNotes,
  runThroughput,
  wrkLoad,
  LOAD_IDS,
  type LoadId,
  type ThroughputResults,
} from './proxy/throughput.js';
import { startUpstreams, LARGE_BYTES, SMALL_BYTES } from './proxy/upstream-server.js';
import { summarizeProfiles } from './proxy/cpu-profile.js';

interface Settings {
  mode: 'quick' | 'full';
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  idleConnections: number;
  failoverWindows: Record<FailoverId, number>;
  failoverIntervalMs: number;
  failover: boolean;
  memory: boolean;
  throughput: boolean;
  /** --loads=keepalive,newconn,bulk */
  loads: LoadId[];
  /** --peers=nginx,kubeha (direct is always kept as the reference) */
  peers?: string[];
  cpuProf: boolean;
}

/** The configurations as run, with fixed addresses and ports in place of the run's free ones. */
function examplePeerConfigs(): Record<string, string> {
  const listen = { host: '127.0.0.1', port: 6443 };
  const upstreams = ['127.0.10.11', '127.0.10.12', '127.0.10.13'].map((host) => ({
    host,
    port: 6443,
  }));
  const prefix = '$PREFIX';
  return {
    'nginx.conf (1 worker; Kubespray: 2)': nginxStreamConfig({
      listen,
      upstreams,
      prefix,
      workers: 1,
    }),
    'haproxy.cfg (TLS lab upstreams)': haproxyConfig({
      listen,
      upstreams,
      prefix,
      tlsChecks: true,
    }),
    kubeha: [
      'kubeha',
      ...kubehaArgs({
        listen,
        upstreams,
        admin: { host: '127.0.0.1', port: 8081 },
        healthCheck: 'https',
        healthPath: '/readyz',
      }),
    ].join(' '),
  };
}

/** `--name=a,b` → [a, b] (checked against `known` when it is not empty). */
function listFlag(flags: string[], name: string, known: readonly string[]): string[] {
  const f = flags.find((x) => x.startsWith(`${name}=`));
  if (!f) return [...known];
  const list = f
    .slice(name.length + 1)
    .split(',')
    .filter(Boolean);
  const bad = known.length ? list.filter((x) => !known.includes(x)) : [];
  if (bad.length)
    throw new Error(`${name}: unknown ${bad.join(', ')} (known: ${known.join(', ')})`);
  return list;
}

function settingsFrom(flags: string[], fd: { soft: number; hard: number }): Settings {
  const quick = flags.includes('--quick');
  // Each proxied connection holds two descriptors in the proxy process.
  // nginx (worker_rlimit_nofile), HAProxy and Node raise their soft limit to the hard
  // one by themselves; the client ends live in this process.
  const fdRoom = Math.min(Math.floor((fd.hard - 300) / 2), fd.soft - 500);
  return {
    mode: quick ? 'quick' : 'full',
    rounds: quick ? 3 : 5,
    // wrk takes whole seconds.
    seconds: quick ? 1 : 3,
    warmupSeconds: 1,
    idleConnections: Math.min(10000, fdRoom),
    failoverWindows: quick
      ? { kill: 10, hang: 6, unready: 6, allUnready: 6 }
      : { kill: 10, hang: 40, unready: 40, allUnready: 45 },
    failoverIntervalMs: 100,
    failover: !flags.includes('--no-failover'),
    memory: !flags.includes('--no-memory'),
    throughput: !flags.includes('--no-throughput'),
    loads: listFlag(flags, '--loads', LOAD_IDS) as LoadId[],
    peers: flags.some((f) => f.startsWith('--peers=')) ? listFlag(flags, '--peers', []) : undefined,
    cpuProf: flags.includes('--cpu-prof'),
  };
}

export async function run(flags: string[]): Promise<void> {
  try {
    await runSuite(flags);
  } catch (e) {
    // One line, no stack: the log files named in the message hold the details.
    console.error(`bench proxy failed: ${(e as Error).message}`);
    process.exitCode = 1;
  } finally {
    killAllNow();
  }
}

async function runSuite(flags: string[]): Promise<void> {
  const reportAt = flags.find((f) => f.startsWith('--report'));
  if (reportAt) {
    // Re-render the tables of an earlier run (default: bench/results/latest.json).
    const file = reportAt.includes('=')
      ? reportAt.slice(reportAt.indexOf('=') + 1)
      : resolve('bench', 'results', 'latest.json');
    console.log(renderMarkdown(JSON.parse(readFileSync(file, 'utf8')) as BenchDocument));
    return;
  }
  const t0 = Date.now();
  const missing = missingTools();
  if (missing.length) {
    console.error(`bench proxy: missing ${missing.join(', ')}; run \`npm run bench:setup\` first`);
    process.exitCode = 2;
    return;
  }
  const machine = describeMachine();
  const s = settingsFrom(flags, machine.fdLimit);
  const kubeha = kubehaProxyAvailability();
  const notes: string[] = [];
  if (!kubeha.available)
    notes.push(`kubeha column missing: \`kubeha proxy --help\` failed (${kubeha.why})`);
  else if (!kubeha.workers)
    notes.push('kubeha proxy has no --workers flag: no 2-worker kubeha column');
  if (s.memory && s.idleConnections < 10000)
    notes.push(
      `scenario 4 holds ${s.idleConnections} connections instead of 10,000: open-file limits soft ${machine.fdLimit.soft} / hard ${machine.fdLimit.hard} (a proxy process needs 2 descriptors per proxied connection; raise the hard limit, e.g. ulimit -Hn 65536 as root, before npm run bench)`,
    );
  const specs = peerSpecs({
    kubeha: kubeha.available,
    kubehaWorkers: kubeha.workers,
    twoWorkers: s.mode === 'full' || flags.includes('--two-workers'),
  }).filter((p) => !s.peers || p.kind === 'direct' || s.peers.includes(p.id));
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-bench-proxy-'));
  chmodSync(dir, 0o755); // nginx workers run as nobody and must reach the upstream's files
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir); // also after Ctrl-C (the signal handler exits)
  // Kept for Chrome DevTools / speedscope; bench/results/.gitignore leaves them out of git.
  const profDir = resolve('bench', 'results', 'cpu-prof');
  const nodeFlags = s.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  const log = (line: string) =>
    console.error(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${line}`);
  log(`bench proxy (${s.mode}): ${specs.map((p) => p.id).join(', ')}; work dir ${dir}`);

  let throughput: ThroughputResults | undefined;
  const memory: Record<string, MemorySample[]> = {};
  let failover: FailoverResult[] = [];
  try {
    const upstreams = await startUpstreams({
      prefix: join(dir, 'upstream'),
      port: await freePort('127.0.10.11'),
      statusPort: await freePort('127.0.10.11'),
      maxConnections: Math.min(machine.fdLimit.hard - 100, 2 * s.idleConnections + 1000),
    });
    try {
      // 1, 2, 3, 6: long-running peers, interleaved rounds.
      const peers: RunningPeer[] = [];
      try {
        for (const spec of s.throughput ? specs : [])
          peers.push(
            await startPeer(spec, { dir, upstreams: upstreams.addresses, tls: false, nodeFlags }),
          );
        if (s.throughput) {
          log('scenarios 1-3, 6 (wrk, interleaved rounds)');
          throughput = await runThroughput(peers, s, log);
          notes.push(...errorNotes(throughput));
        }
      } finally {
        for (const p of peers) await p.stop();
      }
      // 4: fresh start per peer, N idle proxied connections.
      if (s.memory) {
        log(`scenario 4 (${s.idleConnections} idle proxied connections, fresh start each)`);
        for (const spec of specs.filter((p) => p.kind !== 'direct')) {
          const peer = await startPeer(spec, {
            dir,
            upstreams: upstreams.addresses,
            tls: false,
            holdConnections: s.idleConnections,
          });
          try {
            const m = await measureIdleConnections(
              peer,
              upstreams.status,
              s.idleConnections,
              30000,
            );
            memory[spec.id] = [m];
            log(
              `  ${spec.id}: ${m.upstreamConnections} proxied, RSS ${(m.rssBeforeKiB / 1024).toFixed(1)} → ${(m.rssAfterKiB / 1024).toFixed(1)} MiB, ${m.perConnectionKiB.toFixed(2)} KiB/conn`,
            );
            if (m.upstreamConnections < s.idleConnections * 0.98)
              notes.push(
                `scenario 4: ${spec.label} proxied only ${m.upstreamConnections} of ${s.idleConnections} connections`,
              );
          } finally {
            await peer.stop();
          }
        }
      }
    } finally {
      await upstreams.stop();
    }
    // 5: failover against the lab's TLS API servers.
    if (s.failover) {
      const lab = await loadLab();
      if ('missing' in lab) notes.push(`scenario 5 skipped: ${lab.missing}`);
      else {
        log('scenario 5 (failover, lab TLS API servers, all peers side by side)');
        const cluster = await lab.start();
        try {
          failover = await runFailover(
            cluster,
            // nginx behaves alike with 2 workers; kubeha's supervisor/worker split may not.
            specs.filter((p) => p.workers <= 1 || p.kind === 'kubeha'),
            { windows: s.failoverWindows, intervalMs: s.failoverIntervalMs, dir, nodeFlags },
            log,
          );
        } finally {
          await cluster.close();
        }
      }
    }
  } finally {
    killAllNow();
  }

  const profiles = s.cpuProf ? summarizeProfiles(profDir) : undefined;
  const doc: BenchDocument = {
    suite: 'proxy',
    startedAt: new Date(t0).toISOString(),
    durationSeconds: (Date.now() - t0) / 1000,
    machine,
    settings: {
      ...s,
      wrkLoads: Object.fromEntries(s.loads.map((l) => [l, wrkLoad(l, s.seconds)])),
      peerConfigs: examplePeerConfigs(),
      smallBodyBytes: SMALL_BYTES,
      largeBodyBytes: LARGE_BYTES,
      upstreams: 'nginx, 1 worker, 127.0.10.11-13 (plain HTTP); lab TLS API servers for scenario 5',
      deviationsFromKubespray: { nginx: NGINX_DEVIATIONS, haproxy: HAPROXY_DEVIATIONS },
    },
    peers: specs,
    summary: metricRows(specs, throughput, memory),
    failover,
    profile: profiles,
    notes,
    samples: { throughput, memory },
  };
  console.log(renderMarkdown(doc));
  const file = resolve('bench', 'results', 'latest.json');
  await writeFileAtomic(file, JSON.stringify(doc, null, 2) + '\n');
  console.log(`\n(${((Date.now() - t0) / 1000).toFixed(0)} s; JSON in ${file})`);
  removeDir();
  process.off('exit', removeDir);
}
