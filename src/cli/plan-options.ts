import type { Command } from 'commander';
import { DEFAULT_KUBESPRAY_VERSION, KUBESPRAY_VERSIONS_ACCEPTED } from '../kubespray/versions.js';

/** The options `plan`, `render` and `lint` share. */
export interface PlannerOptions {
  inventory: string[];
  extraVars?: string[];
  kubesprayVersion?: string;
  facts?: string;
}

export function addPlannerOptions(cmd: Command, inventoryRequired = true): Command {
  const help = 'inventory file or directory (repeatable)';
  return (
    inventoryRequired
      ? cmd.requiredOption('-i, --inventory <source...>', help)
      : cmd.option('-i, --inventory <source...>', help)
  )
    .option('-e, --extra-vars <kv...>', 'KEY=VALUE, JSON/YAML text, or @file (repeatable)')
    .option(
      '--facts <dir>',
      "Ansible's gathered facts, one JSON file per host (fact_caching = jsonfile, or ansible -m setup --tree DIR); default: the fact cache an ansible.cfg beside the inventory names",
    )
    .option(
      '--kubespray-version <version>',
      `Kubespray release to model: ${KUBESPRAY_VERSIONS_ACCEPTED} (default ${DEFAULT_KUBESPRAY_VERSION})`,
    );
}
