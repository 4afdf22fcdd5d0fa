import type { Command } from 'commander';

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description(
      'print a shell completion script (bash: source <(kubeha completion bash); zsh; fish: kubeha completion fish | source)',
    )
    .argument('<shell>', 'bash | zsh | fish')
    .action(async (shell: string) => {
      const { runCompletion } = await import('./completion-run.js');
      runCompletion(shell, program);
    });
}
