import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectedCases, expectedHosts, planFor } from '../plan/planner-fixtures.js';

/**
 * The planner's Kubespray facts against what Ansible computed with Kubespray's
 * own roles (test/fixtures/planner/generate/: roles/kubespray_defaults,
 * roles/network_facts, roles/dynamic_groups and the `when:` lists of
 * roles/kubernetes/node/tasks/main.yml, at the tagged release).
 */
for (const c of expectedCases()) {
  test(`Kubespray ${c.version} facts for ${c.name} match Ansible's`, async () => {
    const plan = await planFor(c.name, c.version);
    const hosts = expectedHosts(c.dir);
    assert.ok(hosts.length > 0);
    for (const e of hosts) {
      const h = plan.hosts.find((x) => x.name === e.host);
      assert.ok(h, `${e.host} is in the plan`);
      const where = `${c.version}/${c.name}/${e.host}`;
      assert.equal(h.mainIp, e.facts.main_ip, `${where} main_ip`);
      assert.equal(h.mainAccessIp, e.facts.main_access_ip, `${where} main_access_ip`);
      assert.equal(
        h.kubeApiserverEndpoint,
        e.facts.kube_apiserver_endpoint,
        `${where} kube_apiserver_endpoint`,
      );
      assert.equal(
        h.kubeApiserverGlobalEndpoint,
        e.facts.kube_apiserver_global_endpoint,
        `${where} kube_apiserver_global_endpoint`,
      );
      // what Kubespray's roles/kubernetes/node deploys; kubeha is placed by kubeha's playbook
      const byKubespray = h.localProxy?.deployedBy === 'kubespray' ? h.localProxy.type : 'none';
      assert.equal(byKubespray, e.facts.local_proxy, `${where} local proxy`);
      if (h.localProxy?.deployedBy === 'kubespray') {
        assert.equal(
          h.localProxy.settings.podName,
          e.facts.loadbalancer_apiserver_pod_name,
          `${where} pod name`,
        );
      }
      assert.deepEqual(
        h.groups.filter((g) => g !== 'ungrouped'),
        e.facts.group_names,
        `${where} group_names`,
      );
    }
    assert.equal(plan.hosts.length, hosts.length, 'same hosts as Ansible ran on');
  });
}
