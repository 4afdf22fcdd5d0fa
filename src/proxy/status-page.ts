/**
 * The admin endpoint's `/`: the /status document as a small HTML page. One
 * self-contained response (inline CSS, a few lines of plain script, no external
 * assets) that reads well on a phone. The server renders everything, so the
 * page works without JavaScript (it then reloads itself every few seconds); with
 * JavaScript it polls `/?part=main` every REFRESH_MS and swaps the content in.
 * Loaded on the first request only, so an idle proxy never holds it.
 */
import type { StatusReport, UpstreamStatus } from './daemon-report.js';

export const REFRESH_MS = 1000;

/** Keys of /status this page lays out itself; any other is shown as extra activity. */
const KNOWN_KEYS = new Set([
  'panic',
  'ready',
  'listeners',
  'algorithm',
  'connections',
  'connectRetries',
  'failedConnections',
  'discovered',
  'rebalance',
  'upstreams',
]);

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** "12:03:04" from an ISO timestamp (UTC, as the proxy logs). */
const clock = (iso: string) => iso.slice(11, 19);

function badge(health: string): string {
  return `<b class="h ${escapeHtml(health)}">${escapeHtml(health)}</b>`;
}

function lastCheck(u: UpstreamStatus): string {
  const c = u.lastCheck;
  if (!c) return 'no check yet';
  // the reason names the HTTP status when there was one
  return `${c.ok ? 'ok' : 'failed'}, ${c.latencyMs.toFixed(0)} ms at ${clock(c.at)}: ${escapeHtml(c.reason)}`;
}

function upstreamCard(u: UpstreamStatus): string {
  const changes =
    u.recentChanges.length === 0
      ? '<li>none since start</li>'
      : [...u.recentChanges]
          .reverse()
          .map(
            (h) =>
              `<li>${clock(h.at)} ${escapeHtml(h.from)} → ${badge(h.to)} ${escapeHtml(h.reason)}</li>`,
          )
          .join('');
  return `<section class="up" data-upstream="${escapeHtml(u.address)}" data-health="${escapeHtml(u.health)}">
<h2>${escapeHtml(u.address)} ${badge(u.health)}${u.draining ? ' <b class="h draining">draining</b>' : ''}${u.takesNewConnections === false && u.health === 'healthy' ? ' <b class="h draining">no new connections</b>' : ''}</h2>
<p class="why">since ${clock(u.since)}: ${escapeHtml(u.reason)}</p>
<dl>
<dt>last check</dt><dd>${lastCheck(u)}</dd>
<dt>connections</dt><dd>${u.activeConnections} active, ${u.totalConnections} total</dd>
<dt>bytes</dt><dd>${formatBytes(u.bytesFromClients)} up, ${formatBytes(u.bytesToClients)} down</dd>
<dt>failures</dt><dd>${u.connectFailures} connect, ${u.checkFailures} checks; closed ${u.closedUnhealthy} on unhealthy, ${u.closedDrained} drained${u.closedRebalanced === undefined ? '' : `, ${u.closedRebalanced} rebalanced`}</dd>
</dl>
<h3>recent changes</h3><ul>${changes}</ul>
</section>`;
}

/** Keys another part adds to /status (rebalancing counters, for one), shown as they are. */
function otherActivity(status: StatusReport): string {
  const rows = Object.entries(status as unknown as Record<string, unknown>)
    .filter(([k]) => !KNOWN_KEYS.has(k))
    .map(
      ([k, v]) =>
        `<dt>${escapeHtml(k)}</dt><dd><code>${escapeHtml(typeof v === 'string' ? v : JSON.stringify(v))}</code></dd>`,
    );
  return rows.length === 0 ? '' : `<section><h2>activity</h2><dl>${rows.join('')}</dl></section>`;
}

/** The part of the page that refreshes: everything inside <main>. */
export function renderStatusMain(status: StatusReport, now = new Date()): string {
  const healthy = status.upstreams.filter((u) => u.health === 'healthy').length;
  const state = status.panic
    ? '<b class="h unhealthy">panic mode: no healthy upstream, routing to all</b>'
    : status.ready
      ? '<b class="h healthy">ready</b>'
      : '<b class="h unknown">not ready</b>';
  const rb = status.rebalance;
  const rebalance = rb
    ? `<dt>rebalancing</dt><dd>${rb.enabled ? (rb.active ? 'moving connections' : 'idle') : 'off'}${rb.reason ? `: ${escapeHtml(rb.reason)}` : ''}; ${rb.closedConnections} closed so far</dd>`
    : '';
  const discovered =
    status.discovered.length > 0
      ? `<dt>discovered</dt><dd>${status.discovered.map(escapeHtml).join(', ')}</dd>`
      : '';
  return `<section class="sum" data-panic="${status.panic}">
<p>${state} ${healthy}/${status.upstreams.length} upstreams healthy</p>
<dl>
<dt>listeners</dt><dd>${status.listeners.map(escapeHtml).join(', ') || 'none'}</dd>
<dt>algorithm</dt><dd>${escapeHtml(status.algorithm)}</dd>
<dt>connections</dt><dd>${status.connections} open, ${status.connectRetries} connect retries, ${status.failedConnections} clients no upstream took</dd>
${rebalance}${discovered}</dl>
</section>
${status.upstreams.map(upstreamCard).join('\n')}
${otherActivity(status)}
<p class="at">updated ${escapeHtml(now.toISOString().slice(11, 19))} UTC</p>`;
}

const STYLE = `body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;padding:.5rem;max-width:60rem;color:#222;background:#fafafa}
h1{font-size:1.2rem;margin:.3rem 0}h2{font-size:1rem;margin:0 0 .3rem;word-break:break-all}h3{font-size:.85rem;margin:.5rem 0 0}
main{display:grid;gap:.6rem;grid-template-columns:repeat(auto-fit,minmax(17rem,1fr))}
section{background:#fff;border:1px solid #ddd;border-radius:6px;padding:.6rem}.sum,.at{grid-column:1/-1}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .6rem;margin:.3rem 0}dt{color:#666}dd{margin:0}
ul{margin:.2rem 0;padding-left:1.1rem;font-size:.85rem}.why,.at{color:#555;font-size:.85rem;margin:0}
.h{padding:0 .35rem;border-radius:4px;font-size:.85rem;color:#fff;background:#888}.healthy{background:#1a7f37}.unhealthy{background:#c62828}.draining{background:#9a6700}
#stale{display:none;color:#c62828}body.stale #stale{display:inline}`;

// Plain DOM code: fetch the refreshed part, swap it in, say so when the proxy is gone.
const SCRIPT = `const m=document.querySelector('main');
async function tick(){try{const r=await fetch('?part=main',{cache:'no-store'});if(!r.ok)throw 0;m.innerHTML=await r.text();document.body.classList.remove('stale')}catch{document.body.classList.add('stale')}setTimeout(tick,${REFRESH_MS})}
setTimeout(tick,${REFRESH_MS});`;

export function renderStatusPage(status: StatusReport, now = new Date()): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>kubeha proxy</title>
<noscript><meta http-equiv="refresh" content="5"></noscript>
<style>${STYLE}</style></head>
<body><h1>kubeha proxy <span id="stale">(not answering)</span></h1>
<main>${renderStatusMain(status, now)}</main>
<script>${SCRIPT}</script>
</body></html>
`;
}
