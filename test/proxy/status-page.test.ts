/**
 * The admin endpoint's status page: rendered pieces, then the real page in
 * headless Chromium (Debian's `chromium`, driven by playwright-core) against a
 * proxy in front of three lab API servers. (docs/status-page.png comes from
 * scripts/status-page-screenshot.mjs, after a demo run.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { renderStatusPage, REFRESH_MS } from '../../src/proxy/status-page.js';
import type { StatusReport } from '../../src/proxy/daemon-report.js';
import { adminGet, settled, startRig, type Rig } from './helpers.js';
import { httpsGet, waitFor } from '../lab/tls-client.js';

const CHROMIUM = '/usr/bin/chromium';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function report(over: Partial<StatusReport> & Record<string, unknown> = {}): StatusReport {
  return {
    panic: false,
    ready: true,
    listeners: ['127.0.0.1:6443'],
    algorithm: 'least_conn',
    connections: 0,
    connectRetries: 0,
    failedConnections: 0,
    discovered: [],
    upstreams: [
      {
        address: '127.0.10.11:6443',
        health: 'unhealthy',
        since: '2026-01-01T10:00:00.000Z',
        reason: 'HTTP 500: [-]etcd failed <script>alert(1)</script>',
        draining: false,
        activeConnections: 0,
        totalConnections: 3,
        connectFailures: 0,
        checkFailures: 2,
        closedUnhealthy: 1,
        closedDrained: 0,
        bytesFromClients: 2048,
        bytesToClients: 5 * 1024 * 1024,
        recentChanges: [
          { at: '2026-01-01T09:59:00.000Z', from: 'unknown', to: 'healthy', reason: 'HTTP 200' },
          { at: '2026-01-01T10:00:00.000Z', from: 'healthy', to: 'unhealthy', reason: 'HTTP 500' },
        ],
      },
    ],
    ...over,
  };
}

test('the status page escapes what upstreams say and loads nothing from elsewhere', () => {
  const html = renderStatusPage(report());
  assert.ok(!html.includes('<script>alert'), 'a reason is text, not markup');
  assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.doesNotMatch(html, /\b(src|href)=/, 'no external assets');
  assert.match(html, /2\.0 KiB up, 5\.0 MiB down/);
  // newest change first
  assert.ok(html.indexOf('healthy → <b class="h unhealthy">') < html.indexOf('unknown → '));
  assert.match(html, /name="viewport"/);
});

test('rebalancing activity, and keys other parts add to /status, appear on the page', () => {
  const html = renderStatusPage(
    report({
      rebalance: { enabled: true, active: true, reason: 'uneven <load>', closedConnections: 4 },
      upstreams: [{ ...report().upstreams[0]!, closedRebalanced: 4 }],
      failover: { held: 2, note: 'x<y' },
    }),
  );
  assert.match(
    html,
    /<dt>rebalancing<\/dt><dd>moving connections: uneven &lt;load&gt;; 4 closed so far/,
  );
  assert.match(html, /0 drained, 4 rebalanced/);
  assert.match(
    html,
    /<dt>failover<\/dt><dd><code>\{&quot;held&quot;:2,&quot;note&quot;:&quot;x&lt;y&quot;\}/,
  );
  const plain = renderStatusPage(report());
  assert.doesNotMatch(plain, /rebalanc/);
  assert.doesNotMatch(plain, /<h2>activity/);
});

async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

test('in Chromium: three upstreams, a health change shown within the refresh interval', async () => {
  const rig: Rig = await startRig({}, { watchEventIntervalMs: 200 });
  const browser = await launch();
  try {
    await settled(rig);
    // some bytes through the proxy so the counters are not all zero
    for (let i = 0; i < 3; i++)
      await httpsGet({ host: '127.0.0.1', port: rig.port, ca: rig.lab.ca.cert, path: '/version' });
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const origin = `http://127.0.0.1:${rig.adminPort}`;
    const foreign: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(origin)) foreign.push(r.url());
    });
    const res = await page.goto(`${origin}/`);
    assert.equal(res?.status(), 200);
    assert.equal(await page.title(), 'kubeha proxy');
    // Polled through locators: the page's CSP forbids the eval waitForFunction needs, as it should.
    const healthyCards = page.locator('section.up[data-health="healthy"]');
    const allHealthy = async (ms: number) => {
      for (const end = Date.now() + ms; Date.now() < end; await sleep(100))
        if ((await healthyCards.count()) === 3) return true;
      return false;
    };
    // (checks time out at 300 ms here: on a loaded machine an upstream may flap before it settles)
    assert.ok(await allHealthy(15_000), 'the page shows three healthy upstreams');
    const addresses = await page.$$eval('section.up', (els) =>
      els.map((e) => e.getAttribute('data-upstream')),
    );
    assert.deepEqual(addresses, rig.upstreams);
    // Readable on a phone: nothing wider than the screen.
    const width = await page.locator('html').evaluate((el) => el.scrollWidth);
    assert.ok(width <= 390, `page is ${width}px wide on a 390px screen`);

    // node2 goes unready; once the proxy knows, the page shows it within one refresh.
    const target = rig.upstreams[1]!;
    rig.lab.servers[1]!.unready();
    assert.ok(
      await waitFor(
        () =>
          rig.daemon.status().upstreams.find((u) => u.address === target)?.health === 'unhealthy',
        10_000,
      ),
      'the proxy saw the unready server',
    );
    const known = Date.now();
    await page.waitForSelector(`section.up[data-upstream="${target}"][data-health="unhealthy"]`, {
      // one refresh interval, plus one fetch and paint on a loaded machine
      timeout: REFRESH_MS + 2000,
    });
    const shownAfter = Date.now() - known;
    const card = await page.textContent(`section.up[data-upstream="${target}"]`);
    assert.match(card ?? '', /healthy → unhealthy/);
    assert.match(card ?? '', /etcd/);
    assert.match((await page.textContent('section.sum')) ?? '', /2\/3 upstreams healthy/);
    assert.deepEqual(foreign, [], 'the page loads nothing from elsewhere');
    process.stdout.write(`# health change on the page ${shownAfter} ms after the proxy knew\n`);
  } finally {
    await browser.close();
    await rig.close();
  }
});

test('without JavaScript the page still shows every upstream', async () => {
  const rig = await startRig();
  const browser = await launch();
  try {
    await settled(rig);
    const ctx = await browser.newContext({ javaScriptEnabled: false });
    const page = await ctx.newPage();
    await page.goto(`http://127.0.0.1:${rig.adminPort}/`);
    assert.equal(await page.locator('section.up').count(), 3);
    const part = await adminGet(rig, '/?part=main');
    assert.equal(part.status, 200);
    assert.doesNotMatch(part.body, /<html/);
    assert.match(part.body, /section class="up"/);
  } finally {
    await browser.close();
    await rig.close();
  }
});
