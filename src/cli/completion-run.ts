import type { Command, Option } from 'commander';
import { KubehaError } from '../shared/errors.js';

/**
 * `kubeha completion bash|zsh|fish`: a completion script derived from the
 * commander tree, so every command and option (and a new one tomorrow) completes
 * without a hand-kept list. What an option's value completes to comes from its
 * flags and help: `<dir>` directories, `<file>`/`<source...>` files, a help text
 * that starts with a list (`table | wide | json`, `least_conn (default), first`)
 * those words, anything else nothing.
 */
export function runCompletion(shell: string, program: Command): void {
  const tree = describe(program);
  const script =
    shell === 'bash'
      ? bash(tree)
      : shell === 'zsh'
        ? zsh(tree)
        : shell === 'fish'
          ? fish(tree)
          : undefined;
  if (script === undefined) {
    throw new KubehaError('E_USAGE', `no completion for shell "${shell}"`, {
      hint: 'use bash, zsh or fish',
    });
  }
  process.stdout.write(script);
}

type ValueKind =
  | { kind: 'none' }
  | { kind: 'flag' }
  | { kind: 'file' }
  | { kind: 'dir' }
  | { kind: 'words'; words: string[] };

interface OptionInfo {
  short?: string;
  long?: string;
  help: string;
  value: ValueKind;
}

interface CommandInfo {
  name: string;
  help: string;
  options: OptionInfo[];
  /** words the first argument takes (completion's shells, help's commands) */
  args: string[];
}

interface Tree {
  commands: CommandInfo[];
  global: OptionInfo[];
}

function describe(program: Command): Tree {
  const names = program.commands.map((c) => c.name());
  const commands = program.commands.map((c) => ({
    name: c.name(),
    help: firstSentence(c.description()),
    options: [...c.options.map(optionInfo), HELP],
    args:
      c.name() === 'completion'
        ? ['bash', 'zsh', 'fish']
        : c.registeredArguments.length > 0
          ? listWords(c.registeredArguments[0]!.description)
          : [],
  }));
  commands.push({ name: 'help', help: 'display help for command', options: [], args: names });
  return { commands, global: [...program.options.map(optionInfo), HELP] };
}

const HELP: OptionInfo = {
  short: '-h',
  long: '--help',
  help: 'display help for command',
  value: { kind: 'flag' },
};

function optionInfo(o: Option): OptionInfo {
  return { short: o.short, long: o.long, help: firstSentence(o.description), value: valueKind(o) };
}

function valueKind(o: Option): ValueKind {
  // an optional value ([group]) may be left out: options complete after it
  if (!o.required) return { kind: 'flag' };
  if (o.argChoices) return { kind: 'words', words: o.argChoices };
  const arg = /<([^>]+)>|\[([^\]]+)\]/.exec(o.flags);
  const name = (arg?.[1] ?? arg?.[2] ?? '').replace(/\.\.\.$/, '');
  if (name === 'dir') return { kind: 'dir' };
  if (name === 'file' || name === 'source') return { kind: 'file' };
  const words = listWords(o.description);
  return words.length > 0 ? { kind: 'words', words } : { kind: 'none' };
}

/** "table | wide | json" or "least_conn (default), round_robin, first" → the words; else []. */
function listWords(help: string): string[] {
  const text = help.replace(/\([^)]*\)/g, '').trim();
  if (!/^[\w.-]+(\s*[|,]\s*[\w.-]+)+$/.test(text)) return [];
  return text.split(/\s*[|,]\s*/);
}

function firstSentence(help: string): string {
  return help.split(/[;(]/)[0]!.trim();
}

/** Each shell's way of completing each kind of option value. */
interface Actions {
  flag: string;
  file: string;
  dir: string;
  none: string;
  words: (words: string[]) => string;
}
const actionFor = (v: ValueKind, a: Actions): string =>
  v.kind === 'words' ? a.words(v.words) : a[v.kind];

const flagsOf = (o: OptionInfo) => [o.short, o.long].filter((x): x is string => x !== undefined);

function bash(t: Tree): string {
  const lines = [
    '# bash completion for kubeha: source <(kubeha completion bash)',
    '_kubeha_complete() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd= i',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    case ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; break ;; esac',
    '  done',
    '  if [[ -z $cmd ]]; then',
    `    COMPREPLY=($(compgen -W "${[...t.commands.map((c) => c.name), ...t.global.flatMap(flagsOf)].join(' ')}" -- "$cur"))`,
    '    return',
    '  fi',
    '  case $cmd:$prev in',
  ];
  for (const c of t.commands) {
    for (const o of c.options) {
      const pat = flagsOf(o)
        .map((f) => `${c.name}:${f}`)
        .join('|');
      if (o.value.kind === 'flag') continue;
      const action = actionFor(o.value, {
        flag: '',
        file: 'compopt -o filenames; COMPREPLY=($(compgen -f -- "$cur"))',
        dir: 'compopt -o filenames; COMPREPLY=($(compgen -d -- "$cur"))',
        words: (w) => `COMPREPLY=($(compgen -W "${w.join(' ')}" -- "$cur"))`,
        none: 'COMPREPLY=()',
      });
      lines.push(`    ${pat}) ${action}; return ;;`);
    }
  }
  lines.push('  esac', '  case $cmd in');
  // a word starting with - completes options; any other the command's arguments, if it has any
  for (const c of t.commands) {
    const opts = c.options.flatMap(flagsOf).join(' ');
    const words =
      c.args.length > 0
        ? `$([[ $cur == -* ]] && echo "${opts}" || echo "${c.args.join(' ')}")`
        : opts;
    lines.push(`    ${c.name}) COMPREPLY=($(compgen -W "${words}" -- "$cur")) ;;`);
  }
  lines.push('  esac', '}', 'complete -F _kubeha_complete kubeha', '');
  return lines.join('\n');
}

/** Text inside zsh's _arguments specs and _describe items: no brackets, colons or quotes. */
const zq = (s: string) => s.replace(/[[\]:'\\]/g, ' ');

function zsh(t: Tree): string {
  const lines = [
    '#compdef kubeha',
    '# zsh completion for kubeha: kubeha completion zsh > "${fpath[1]}/_kubeha", or source <(kubeha completion zsh)',
    '_kubeha() {',
    '  local -a commands',
    `  commands=(${t.commands.map((c) => `'${c.name}:${zq(c.help)}'`).join(' ')})`,
    '  if (( CURRENT == 2 )); then',
    "    _describe 'command' commands",
    '    return',
    '  fi',
    '  case $words[2] in',
  ];
  for (const c of t.commands) {
    const specs = c.options.map((o) => {
      const flags = flagsOf(o);
      const action = actionFor(o.value, {
        flag: '',
        file: ':file:_files',
        dir: ':directory:_files -/',
        words: (w) => `:value:(${w.join(' ')})`,
        none: ':value: ',
      });
      const names = flags.length > 1 ? `{${flags.join(',')}}` : flags[0]!;
      const excl = flags.length > 1 ? `'(${flags.join(' ')})'` : '';
      return `${excl}${names}'[${zq(o.help)}]${action}'`;
    });
    if (c.args.length > 0) specs.push(`'1:argument:(${c.args.join(' ')})'`);
    lines.push(`    ${c.name}) _arguments -s ${specs.join(' ')} ;;`);
  }
  lines.push(
    '  esac',
    '}',
    'if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _kubeha "$@"; else compdef _kubeha kubeha; fi',
    '',
  );
  return lines.join('\n');
}

/** fish's single-quoted strings escape only \ and '. */
const fq = (s: string) => `'${s.replace(/[\\']/g, '\\$&')}'`;

function fish(t: Tree): string {
  const lines = [
    '# fish completion for kubeha: kubeha completion fish | source',
    'complete -c kubeha -f',
  ];
  for (const c of t.commands) {
    lines.push(`complete -c kubeha -n __fish_use_subcommand -a ${c.name} -d ${fq(c.help)}`);
  }
  for (const c of t.commands) {
    const when = `-n '__fish_seen_subcommand_from ${c.name}'`;
    for (const o of c.options) {
      const names = [o.short ? `-s ${o.short.slice(1)}` : '', o.long ? `-l ${o.long.slice(2)}` : '']
        .filter(Boolean)
        .join(' ');
      const value = actionFor(o.value, {
        flag: '',
        file: ' -r -F',
        dir: " -r -x -a '(__fish_complete_directories)'",
        words: (w) => ` -x -a ${fq(w.join(' '))}`,
        none: ' -x',
      });
      lines.push(`complete -c kubeha ${when} ${names}${value} -d ${fq(o.help)}`);
    }
    if (c.args.length > 0) lines.push(`complete -c kubeha ${when} -a ${fq(c.args.join(' '))}`);
  }
  return `${lines.join('\n')}\n`;
}
