import type { Command } from 'commander';

export function registerInventory(program: Command): void {
  program
    .command('inventory')
    .description('read a Kubespray (Ansible) inventory exactly as ansible-inventory does')
    .requiredOption(
      '-i, --inventory <source...>',
      'inventory file, directory or host list "h1,h2" (repeatable)',
    )
    .option('--list', 'print the inventory as ansible-inventory --list JSON (default)')
    .option('--graph [group]', 'print the group tree as ansible-inventory --graph')
    .option('--host <name>', "print one host's variables as ansible-inventory --host")
    .option('-e, --extra-vars <kv...>', 'KEY=VALUE, JSON/YAML text, or @file (repeatable)')
    .option(
      '-y, --yaml',
      "YAML for --list / --host, as ansible-inventory -y writes it (--list: Ansible's nested inventory format)",
    )
    .option('--vars', 'with --graph, show variables too')
    .option(
      '--any-unparsed-failed',
      'a source no plugin can parse is an error (ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED)',
    )
    .option(
      '--unparsed-failed',
      'no source parsed at all is an error (ANSIBLE_INVENTORY_UNPARSED_FAILED)',
    )
    .option(
      '--kubespray',
      "apply Kubespray's dynamic groups (kube-master→kube_control_plane, k8s_cluster, …)",
    )
    .action(async (opts) => {
      const { runInventory } = await import('./inventory-run.js');
      await runInventory(opts);
    });
}
