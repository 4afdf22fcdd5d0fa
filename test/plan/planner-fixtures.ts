import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { factCacheFromConfig } from '../../src/inventory/index.js';
import { loadKubesprayInventory } from '../../src/kubespray/dynamic-groups.js';
import { resolveKubesprayVersion } from '../../src/kubespray/versions.js';
import { buildPlan } from '../../src/plan/build-plan.js';
import type { Plan } from '../../src/plan/plan-types.js';

/** Repository root, from dist/test/plan/ (compiled) or test/plan/. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURES = join(ROOT, 'test/fixtures/planner');
export const EXPECTED = join(FIXTURES, 'expected');

/** The inventory file of a fixture or example, by name. */
export function inventoryPath(name: string): string {
  for (const dir of [join(FIXTURES, 'inventories', name), join(ROOT, 'examples', name)]) {
    if (!existsSync(dir)) continue;
    const file = readdirSync(dir)
      .filter((f) => /\.(ini|ya?ml)$/.test(f))
      .sort()[0];
    if (file) return join(dir, file);
  }
  throw new Error(`no inventory named ${name}`);
}

/** Every (version, inventory) pair that has Ansible-rendered expectations. */
export function expectedCases(): Array<{ version: string; name: string; dir: string }> {
  const out: Array<{ version: string; name: string; dir: string }> = [];
  for (const version of readdirSync(EXPECTED).sort()) {
    for (const name of readdirSync(join(EXPECTED, version)).sort()) {
      out.push({ version, name, dir: join(EXPECTED, version, name) });
    }
  }
  return out;
}

export interface ExpectedHost {
  host: string;
  facts: {
    main_ip: string;
    main_access_ip: string;
    loadbalancer_apiserver_localhost: unknown;
    apiserver_loadbalancer_domain_name: string | null;
    kube_apiserver_endpoint: string;
    kube_apiserver_global_endpoint: string;
    group_names: string[];
    local_proxy: string;
    /** roles/kubernetes/node/defaults/main.yml, as Ansible evaluated it */
    loadbalancer_apiserver_pod_name: string;
    /** downloads.nginx.enabled / downloads.haproxy.enabled (kubespray_defaults download.yml) */
    download_nginx: boolean;
    download_haproxy: boolean;
  };
  files: Record<string, string>;
}

export function expectedHosts(dir: string): ExpectedHost[] {
  return readdirSync(dir)
    .sort()
    .map((host) => {
      const files: Record<string, string> = {};
      for (const f of readdirSync(join(dir, host))) {
        if (f !== 'facts.json') files[f] = readFileSync(join(dir, host, f), 'utf8');
      }
      const facts = JSON.parse(readFileSync(join(dir, host, 'facts.json'), 'utf8'));
      return { host, facts, files };
    });
}

export async function planFor(name: string, version: string, extraVars?: string[]): Promise<Plan> {
  const { inventory, diagnostics } = await loadKubesprayInventory([inventoryPath(name)], {
    extraVars,
  });
  const source = inventoryPath(name);
  return buildPlan(inventory, {
    era: resolveKubesprayVersion(version),
    inventoryDiagnostics: diagnostics,
    // a fixture with an ansible.cfg naming a fact cache (ansible-host-facts), as the CLI reads it
    facts: factCacheFromConfig([source]),
  });
}
