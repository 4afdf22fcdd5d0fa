import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createCa, issueCertificate } from '../../src/lab/pki.js';
import { loadKubeconfigIsolated } from '../../src/proxy/config-isolated.js';
import { DiscoveryCredentials } from '../../src/proxy/kube-credentials.js';
import { validateConfig } from '../../src/proxy/config.js';
import { isKubehaError } from '../../src/shared/errors.js';

/**
 * kubeha reads the kubeconfig with its own small reader (in the configuration
 * child, `yaml` never resident in the proxy); @kubernetes/client-node's KubeConfig
 * is the oracle: for the same files both must find the same server, CA, client
 * certificate and key.
 */
const dir = mkdtempSync(join(tmpdir(), 'kubeha-kubeconfig-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ca = createCa('kubeconfig-test-ca');
const client = issueCertificate(ca, {
  commonName: 'system:node:k8s-node4',
  organization: 'system:nodes',
  usage: 'client',
});
const b64 = (s: string) => Buffer.from(s).toString('base64');
mkdirSync(join(dir, 'pki'));
writeFileSync(join(dir, 'pki/ca.crt'), ca.cert);
// The kubelet keeps certificate and key in one file.
writeFileSync(join(dir, 'pki/kubelet-client-current.pem'), client.cert + client.key);

const KUBECONFIGS: Record<string, string> = {
  // Kubespray's kubelet.conf on a worker (kubeadm join writes it)
  'kubelet.conf': `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${b64(ca.cert)}
    server: https://localhost:6443
  name: default-cluster
contexts:
- context:
    cluster: default-cluster
    namespace: default
    user: default-auth
  name: default-context
current-context: default-context
kind: Config
preferences: {}
users:
- name: default-auth
  user:
    client-certificate: ${join(dir, 'pki/kubelet-client-current.pem')}
    client-key: ${join(dir, 'pki/kubelet-client-current.pem')}
`,
  // admin.conf style, everything inline
  'inline.conf': `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://192.168.10.11:6443", certificate-authority-data: ${b64(ca.cert)}}
users:
- name: u
  user: {client-certificate-data: ${b64(client.cert)}, client-key-data: ${b64(client.key)}}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`,
  // relative paths are relative to the kubeconfig; the current context is not the first
  'relative.conf': `apiVersion: v1
kind: Config
clusters:
- name: other
  cluster: {server: "https://10.0.0.1:6443", certificate-authority: /nonexistent/ca.crt}
- name: mine
  cluster:
    server: "https://[fd00::11]:6443"
    certificate-authority: pki/ca.crt
    tls-server-name: kubernetes
users:
- name: me
  user: {client-certificate: pki/kubelet-client-current.pem, client-key: ./pki/kubelet-client-current.pem}
contexts:
- name: first
  context: {cluster: other, user: me}
- name: second
  context: {cluster: mine, user: me}
current-context: second
`,
};

for (const [name, text] of Object.entries(KUBECONFIGS)) {
  test(`kubeconfig ${name}: kubeha and @kubernetes/client-node agree on server, CA, certificate and key`, async () => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    const ours = await loadKubeconfigIsolated(path);
    const oracle = new KubeConfig();
    oracle.loadFromFile(path);
    const cluster = oracle.getCurrentCluster()!;
    assert.equal(ours.server, cluster.server);
    assert.equal(ours.tlsServerName, cluster.tlsServerName);
    const opts: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
    await oracle.applyToHTTPSOptions(opts);
    const cfg = validateConfig({
      upstreams: ['127.0.10.11:6443'],
      discovery: { kubernetesEndpoints: true, kubeconfig: path },
    });
    const target = await new DiscoveryCredentials().target(cfg);
    assert.equal(target.ca, opts.ca?.toString());
    assert.equal(target.cert, opts.cert?.toString());
    assert.equal(target.key, opts.key?.toString());
    // verified against the kubeconfig's name, reached through the proxy's listener
    assert.deepEqual([target.host, target.port], ['127.0.0.1', 6443]);
    const host = new URL(cluster.server).hostname.replace(/^\[|\]$/g, '');
    assert.equal(target.verifyName, cluster.tlsServerName ?? host);
  });
}

test('a kubeconfig discovery cannot use is one located error, whatever is wrong with it', async () => {
  const cases: [string, string, RegExp][] = [
    ['no-context.conf', 'apiVersion: v1\nkind: Config\nclusters: []\n', /no current-context/],
    [
      'both.conf',
      KUBECONFIGS['inline.conf']!.replace('client-key-data:', 'client-key: /x, client-key-data:'),
      /^both client-key and client-key-data are given$/,
    ],
    [
      'insecure.conf',
      KUBECONFIGS['inline.conf']!.replace(
        'server: "https://192.168.10.11:6443",',
        'server: "https://192.168.10.11:6443", insecure-skip-tls-verify: true,',
      ),
      /insecure-skip-tls-verify/,
    ],
    [
      'no-ca.conf',
      KUBECONFIGS['inline.conf']!.replace(/, certificate-authority-data: [^}]+/, ''),
      /names no certificate-authority/,
    ],
    [
      'token.conf',
      KUBECONFIGS['inline.conf']!.replace(
        /user: \{client-certificate-data[^}]+\}/,
        'user: {token: abc}',
      ),
      /only client-certificate authentication/,
    ],
    [
      'missing-cluster.conf',
      KUBECONFIGS['inline.conf']!.replace('cluster: c, user: u', 'cluster: nope, user: u'),
      /no cluster named "nope" in clusters/,
    ],
    ['http.conf', KUBECONFIGS['inline.conf']!.replace('https://', 'http://'), /is not https/],
    ['broken.conf', 'clusters: [\n', /./],
  ];
  for (const [name, text, message] of cases) {
    const path = join(dir, name);
    writeFileSync(path, text);
    await assert.rejects(loadKubeconfigIsolated(path), (err: unknown) => {
      assert.ok(isKubehaError(err), name);
      assert.equal(err.code, 'E_KUBECONFIG', name);
      assert.equal(err.file, path, name);
      assert.ok(typeof err.line === 'number' && err.line >= 1, `${name}: ${err.line}`);
      assert.match(err.message, message, name);
      assert.doesNotMatch(err.message, /\n/, name);
      return true;
    });
  }
  await assert.rejects(loadKubeconfigIsolated(join(dir, 'absent.conf')), /cannot read/);
  // at run time the proxy logs the located line and keeps waiting
  const cfg = validateConfig({
    upstreams: ['127.0.10.11:6443'],
    discovery: { kubernetesEndpoints: true, kubeconfig: join(dir, 'http.conf') },
  });
  await assert.rejects(
    new DiscoveryCredentials().target(cfg),
    new RegExp(
      `: ${join(dir, 'http.conf')}:\\d+:\\d+: cluster "c": server http://192.168.10.11:6443 is not https$`,
    ),
  );
  await assert.rejects(
    new DiscoveryCredentials().target({
      ...cfg,
      discovery: { ...cfg.discovery, kubeconfig: join(dir, 'absent.conf') },
    }),
    /waiting for discovery.kubeconfig .*absent.conf: not there \(yet\)$/,
  );
});
