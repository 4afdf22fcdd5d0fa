import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KUBESPRAY_ERAS } from '../../src/kubespray/versions.js';
import { renderPlan, type ProxyChoice, type RenderedFile } from '../../src/render/render-plan.js';
import { planFor } from '../plan/planner-fixtures.js';

/**
 * Every rendered nginx.conf passes `nginx -t` and every haproxy.cfg `haproxy -c`
 * (the real tools; neither binds sockets in check mode). nginx needs the stream
 * module loaded, which Kubespray's image has built in.
 */
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';
const INVENTORIES = [
  'mycluster',
  'hybrid',
  'centralized',
  'access-ip',
  'custom-bind',
  'direct',
  'dual-stack',
  'external-lb-port',
  'haproxy-type',
  'hybrid-port-trap',
  'ipv6-only',
  'missing-ip',
  'no-healthcheck',
  'old-groups',
  'single-cp',
  'string-bool',
  'yaml-lb-port',
  'haproxy-dual-stack',
  'ansible-host-only',
  'ansible-host-facts',
];

function nginxCheck(dir: string, conf: string): { ok: boolean; out: string } {
  const file = join(dir, 'nginx.conf');
  writeFileSync(file, `load_module ${STREAM_MODULE};\n${conf}`);
  const r = spawnSync('nginx', ['-t', '-q', '-e', 'stderr', '-p', dir, '-c', file], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { ok: r.status === 0, out: `${r.error ?? ''}${r.stdout}${r.stderr}` };
}

function haproxyCheck(dir: string, cfg: string): { ok: boolean; out: string } {
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, cfg);
  const r = spawnSync('haproxy', ['-c', '-q', '-f', file], { encoding: 'utf8', timeout: 10_000 });
  return { ok: r.status === 0, out: `${r.error ?? ''}${r.stdout}${r.stderr}` };
}

/**
 * nginx and HAProxy resolve upstream names when they load a config; a host whose
 * address kubeha approximated by a name (`cp3` in missing-ip) does not resolve on
 * this machine, so such names are checked as an address.
 */
function resolvable(content: string): string {
  return content.replace(
    /(\bserver (?:\S+ )?)([a-z][\w.-]*)(:\d+)/g,
    (_, pre: string, name: string, port: string) =>
      name === 'localhost' ? `${pre}${name}${port}` : `${pre}192.0.2.1${port}`,
  );
}

function check(dir: string, f: RenderedFile): void {
  if (f.path.endsWith('nginx.conf')) {
    const r = nginxCheck(dir, resolvable(f.content));
    assert.ok(r.ok, `nginx -t rejects ${f.path}: ${r.out}`);
  } else if (f.path.endsWith('haproxy.cfg')) {
    const r = haproxyCheck(dir, resolvable(f.content));
    assert.ok(r.ok, `haproxy -c rejects ${f.path}: ${r.out}`);
  }
}

test('the checkers accept a good config and reject a broken one (so the checks below can fail)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubeha-syntax-'));
  try {
    // the good halves fail too when nginx, its stream module or haproxy is missing
    const good = nginxCheck(
      dir,
      'events {}\nstream { upstream x { least_conn; server 127.0.0.1:6443; } }',
    );
    assert.ok(good.ok, `nginx -t accepts a good config: ${good.out}`);
    assert.equal(
      nginxCheck(dir, 'events {}\nstream { upstream x { least_connn; server 127.0.0.1:6443; } }')
        .ok,
      false,
    );
    const haproxy = (balance: string) =>
      haproxyCheck(
        dir,
        'defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 1m\n  timeout server 1m\n' +
          'frontend f\n  bind 127.0.0.1:6443\n  default_backend b\n' +
          `backend b\n  balance ${balance}\n  server s1 127.0.0.1:6444\n`,
      );
    const fine = haproxy('leastconn');
    assert.ok(fine.ok, `haproxy -c accepts a good config: ${fine.out}`);
    // the same config with one typo: what fails is the typo
    assert.equal(haproxy('least_conn').ok, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const name of INVENTORIES) {
  test(`nginx -t / haproxy -c accept every config rendered for ${name}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeha-syntax-'));
    try {
      let checked = 0;
      const seen = new Set<string>();
      for (const era of KUBESPRAY_ERAS) {
        const plan = await planFor(name, era.id);
        const proxies: Array<ProxyChoice | undefined> = [undefined, 'nginx', 'haproxy'];
        for (const proxy of proxies) {
          for (const f of renderPlan(plan, { proxy })) {
            if (!/(nginx\.conf|haproxy\.cfg)$/.test(f.path)) continue;
            // identical files (e.g. every worker's) are checked once
            if (seen.has(f.content)) continue;
            seen.add(f.content);
            check(dir, f);
            checked++;
          }
        }
      }
      const anyProxy = (await planFor(name, '2.31')).hosts.some((h) => h.localProxy);
      assert.ok(checked > 0 || !anyProxy, 'at least one file checked');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** keepalived -t (config test); .ci/run installs keepalived alongside nginx and haproxy. */
const haveKeepalived =
  spawnSync('keepalived', ['--version'], { encoding: 'utf8' }).error === undefined;

test(
  'keepalived -t accepts the external LB keepalived.conf and rejects a broken one',
  {
    skip: haveKeepalived ? false : 'keepalived is not installed',
  },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeha-ka-'));
    const check = (text: string) => {
      const file = join(dir, 'keepalived.conf');
      writeFileSync(file, text);
      const r = spawnSync('keepalived', ['-t', '-f', file], { encoding: 'utf8', timeout: 10_000 });
      return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
    };
    try {
      assert.equal(check('vrrp_instance x {\n  state BOGUS\n  interfaceX eth0\n}\n').ok, false);
      for (const name of ['hybrid', 'centralized', 'external-lb-port']) {
        const plan = await planFor(name, '2.31');
        const f = renderPlan(plan, {}).find((x) => x.path === 'external-lb/keepalived.conf')!;
        const r = check(f.content);
        assert.ok(r.ok, `keepalived -t rejects ${name}: ${r.out}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
