/**
 * Garbage in, clean answer out: fast-check properties for the proxy configuration
 * loader (random YAML, random values under the real keys) and the admin HTTP
 * endpoint (random methods, request targets and header sizes over a raw socket).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { loadProxyConfig } from '../../src/proxy/config.js';
import { proxyConfigSchema } from '../../src/proxy/config-schema.js';
import { formatError, isKubehaError } from '../../src/shared/errors.js';
import { adminGet, settled, startRig, type Rig } from './helpers.js';

const KEYS = Object.keys(proxyConfigSchema.def.shape ?? {});

/** A value of any shape, biased to what configs hold. */
const value = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.constantFrom('1s', '200ms', '-1s', '10x', '127.0.0.1:6443', '[::1]:6443', 'a:b:c', '', null),
  fc.integer(),
  fc.double(),
);

/** A configuration: real keys (and some unknown ones) with random values. */
const config = fc.dictionary(
  fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 12 })),
  value,
  { maxKeys: 8 },
);

async function expectCleanLoad(file: string): Promise<void> {
  try {
    const cfg = await loadProxyConfig(file, {});
    // Accepted: it must be a valid configuration.
    assert.ok(Array.isArray(cfg.upstreams) && cfg.upstreams.length > 0);
  } catch (err) {
    assert.ok(isKubehaError(err), `not a KubehaError: ${(err as Error).stack}`);
    for (const e of [err, ...err.also]) {
      const line = formatError(e);
      assert.ok(!line.includes('\n'), `one line: ${JSON.stringify(line)}`);
      assert.match(e.code, /^E_[A-Z_]+$/);
    }
  }
}

test('the config loader answers any file with a configuration or one-line coded errors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kubeha-fuzz-'));
  const file = join(dir, 'proxy.yaml');
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          config.map((c) => stringify(c)),
          // with upstreams present, the rest of the keys get validated too
          config.map((c) => stringify({ upstreams: ['127.0.10.11:6443'], ...c })),
          fc.string({ maxLength: 200 }),
          // seen by this property once: an alias without its anchor threw a ReferenceError
          fc.constantFrom(
            '*!',
            'upstreams: *y',
            '{',
            '- a\n- b',
            '&a [*a]',
            'a: !!int x',
            '---\n---',
          ),
        ),
        async (text) => {
          await writeFile(file, text);
          await expectCleanLoad(file);
        },
      ),
      { numRuns: 300 },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** One raw HTTP/1.1 exchange; resolves with the status line, or '' when closed without one. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let got = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no answer to ${JSON.stringify(request.slice(0, 80))}`));
    }, 5000);
    s.on('data', (c: Buffer) => (got += c.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve(got.split('\r\n')[0] ?? '');
    });
    s.end(request, 'latin1');
  });
}

const method = fc.oneof(
  fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT', 'PRI'),
  fc.stringMatching(/^[A-Z]{1,12}$/),
  fc.string({ minLength: 1, maxLength: 8 }),
);
const target = fc.oneof(
  fc.constantFrom(
    '/livez',
    '/readyz',
    '/healthz',
    '/metrics',
    '/status',
    '*',
    '//[',
    '//x/',
    '/%zz',
  ),
  fc.webUrl(),
  fc.string({ maxLength: 60 }).map((s) => `/${s}`),
  fc.stringMatching(/^[\x21-\x7e]{0,60}$/),
);

test('the admin endpoint gives any request a clean HTTP answer and keeps serving', async () => {
  const rig: Rig = await startRig();
  try {
    await settled(rig);
    await fc.assert(
      fc.asyncProperty(
        method,
        target,
        fc.nat({ max: 40_000 }),
        fc.nat({ max: 60 }),
        async (m, path, headerBytes, headerCount) => {
          const headers = Array.from({ length: headerCount }, (_, i) => `x-h${i}: v\r\n`).join('');
          const big = headerBytes > 0 ? `x-big: ${'a'.repeat(headerBytes)}\r\n` : '';
          const status = await rawRequest(
            rig.adminPort,
            `${m} ${path} HTTP/1.1\r\nhost: admin\r\n${headers}${big}connection: close\r\n\r\n`,
          );
          // Node answers what it cannot parse with 400/431 itself; everything else is ours.
          assert.match(status, /^HTTP\/1\.1 (200|400|404|405|413|414|431|503) /, `${m} ${path}`);
        },
      ),
      { numRuns: 300 },
    );
    assert.equal((await adminGet(rig, '/livez')).status, 200);
    assert.equal((await adminGet(rig, '/readyz')).status, 200);
  } finally {
    await rig.close();
  }
});
