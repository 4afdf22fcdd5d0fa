#!/usr/bin/env node
// Makes docs/status-page.png: runs `kubeha demo --keep`, opens the proxy's status page in
// Debian's Chromium (playwright-core) once the story is over, saves a full-page screenshot,
// then stops the demo with SIGINT. `npm run build` first.
import { spawn } from 'node:child_process';
import { setTimeout, clearTimeout } from 'node:timers';
import { chromium } from 'playwright-core';

const out = process.argv[2] ?? 'docs/status-page.png';
const demo = spawn(process.execPath, ['bin/kubeha', 'demo', '--keep'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let text = '';
demo.stdout.setEncoding('utf8').on('data', (c) => (text += c));
const url = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('the demo did not finish in 90 s')), 90_000);
  demo.stdout.on('data', () => {
    const m = /status page {2}(http:\/\/\S+)/.exec(text);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]);
    }
  });
  demo.once('exit', (code) => reject(new Error(`the demo exited with ${code}:\n${text}`)));
});
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  await page.goto(url);
  await page.screenshot({ path: out, fullPage: true });
  console.log(`saved ${out}`);
} finally {
  await browser.close();
  demo.kill('SIGINT');
}
