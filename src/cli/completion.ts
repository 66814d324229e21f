// Shell completion: `decnet-reaper completion bash|zsh` prints a script made from the same flag
// spec as the parser and --help (commands/*.ts, COMMON_FLAGS), and the script asks the CLI itself
// for the values only a host knows, with the hidden `decnet-reaper __complete KIND [-- WORDS]`:
// Docker contexts (files under ~/.docker, nothing is asked of Docker), the hosts of the swarm (the
// database's swarm_hosts, read only) and, only in a script made with `--prefixes`, the prefixes of a
// quick scan (the database and Docker).
import { parseArgs } from 'node:util';
import { setRequestTimeout } from '../core/deadline';
import { listContextNames } from '../core/dockerEndpoint';
import { MASTER_NAME, offeredEndpoint } from '../core/fleet';
import { isTornDown } from '../core/rules';
import { readDb, scan } from '../core/scan';
import { COMMON_FLAGS, flagsOf, resolveTarget, type CliCommand, type FlagSpec, type ValueKind } from './command';
import type { Io } from './io';

export type Shell = 'bash' | 'zsh';
export const SHELLS: readonly Shell[] = ['bash', 'zsh'];

/** The names the CLI is installed under: the script completes both. */
const PROGRAMS = ['decnet-reaper', 'decnet-reaper-linux-x64'];

/** The hidden command the scripts call for the values a host knows. */
export const COMPLETE_COMMAND = '__complete';

/** What `__complete` answers: one value per line. */
export type CompleteKind = 'contexts' | 'swarm-hosts' | 'host-endpoints' | 'orphan-prefixes' | 'torn-down-prefixes';

/** How long `__complete` may take to read the database or scan, unless the line says `--timeout`. */
const COMPLETE_TIMEOUT_MS = 3000;

/** Every command the line may name: the real ones and `help COMMAND`. */
function commandNames(commands: readonly CliCommand[]): string[] {
  return [...commands.map((c) => c.name), 'help'];
}

/** Every flag of every command, by name, with one meaning: a name means the same everywhere. */
function allFlags(commands: readonly CliCommand[]): Map<string, FlagSpec> {
  const out = new Map<string, FlagSpec>(Object.entries(COMMON_FLAGS));
  for (const c of commands) {
    for (const [name, f] of Object.entries(c.flags)) {
      const seen = out.get(name);
      if (seen && (seen.type !== f.type || seen.value !== f.value || !!seen.repeatable !== !!f.repeatable)) {
        throw new Error(`--${name} takes different values in different commands: completion cannot tell which`);
      }
      out.set(name, seen ?? f);
    }
  }
  return out;
}

// ---- bash ---------------------------------------------------------------------------------

function bashWords(words: readonly string[]): string {
  return words.join(' ');
}

function bashCase(entries: [string[], string][], fallback?: string): string {
  const lines = entries.filter(([names]) => names.length).map(([names, body]) => `    ${names.join('|')}) ${body} ;;`);
  if (fallback !== undefined) lines.push(`    *) ${fallback} ;;`);
  return lines.join('\n');
}

function bashScript(commands: readonly CliCommand[], prefixes: boolean, version: string): string {
  const flags = allFlags(commands);
  const stringFlags = [...flags].filter(([, f]) => f.type === 'string').map(([n]) => `--${n}`);
  const repeatable = [...flags].filter(([, f]) => f.repeatable).map(([n]) => `--${n}`);
  const byKind = new Map<ValueKind, string[]>();
  for (const [n, f] of flags) if (f.type === 'string' && f.value) byKind.set(f.value, [...(byKind.get(f.value) ?? []), `--${n}`]);
  const operandsByKind = new Map<ValueKind, string[]>([['command', ['help']]]);
  for (const c of commands) if (c.operands) operandsByKind.set(c.operands, [...(operandsByKind.get(c.operands) ?? []), c.name]);
  const flagList = (f: Record<string, FlagSpec>) => bashWords(Object.keys(f).map((n) => `--${n}`));
  const topFlags = bashWords([...Object.keys(COMMON_FLAGS).map((n) => `--${n}`), '--version']);
  return `# bash completion for decnet-reaper ${version}, made by \`decnet-reaper completion bash${prefixes ? ' --prefixes' : ''}\`
# from the flags the CLI parses. Install one of:
#   decnet-reaper completion bash > /etc/bash_completion.d/decnet-reaper
#   decnet-reaper completion bash > ~/.local/share/bash-completion/completions/decnet-reaper
#   eval "$(decnet-reaper completion bash)"        (in ~/.bashrc)
# Contexts come from ~/.docker and swarm hosts from the database (read only), through the hidden
# \`decnet-reaper ${COMPLETE_COMMAND}\`; prefixes only in a script made with --prefixes (a quick scan).

_decnet_reaper_commands='${bashWords(commandNames(commands))}'
_decnet_reaper_string_flags=' ${bashWords(stringFlags)} '
_decnet_reaper_repeatable=' ${bashWords(repeatable)} '
_decnet_reaper_prefixes=${prefixes ? 1 : 0}

# The flags of a command (of none: those every command takes).
_decnet_reaper_flags() {
  case $1 in
${bashCase(
  commands.map((c) => [[c.name], `echo '${flagList(flagsOf(c))}'`]),
  `echo '${topFlags}'`,
)}
  esac
}

# What a flag's value is.
_decnet_reaper_value_kind() {
  case $1 in
${bashCase([...byKind].map(([kind, names]) => [names, `echo ${kind}`]))}
  esac
}

# What a command's operands are.
_decnet_reaper_operand_kind() {
  case $1 in
${bashCase([...operandsByKind].map(([kind, names]) => [names, `echo ${kind}`]))}
  esac
}

# The CLI itself, for what only this host knows; quiet when it fails.
_decnet_reaper_call() {
  local self=$1
  shift
  [[ $self == "~/"* ]] && self=$HOME/\${self:2}
  "$self" ${COMPLETE_COMMAND} "$@" 2>/dev/null
}

_decnet_reaper() {
  # Whole words as the CLI reads them: bash splits COMP_WORDS at = and : too (COMP_WORDBREAKS),
  # so the pieces that touch in COMP_LINE are joined again.
  local -a words=() cands=()
  local i w cword=0 pos=0 rest trimmed gap line=\${COMP_LINE-\${COMP_WORDS[*]}}
  for ((i = 0; i < \${#COMP_WORDS[@]}; i++)); do
    w=\${COMP_WORDS[i]}
    rest=\${line:pos}
    trimmed=\${rest#"\${rest%%[![:space:]]*}"}
    gap=$((\${#rest} - \${#trimmed}))
    if ((i > 0 && gap == 0)); then words[-1]+=$w; else words+=("$w"); fi
    pos=$((pos + gap + \${#w}))
    ((i == COMP_CWORD)) && cword=$((\${#words[@]} - 1))
  done
  local cur=\${words[cword]} self=\${words[0]} cmd= kind= vprefix= value
  value=$cur
  # The command: the first word that is neither a flag nor a flag's value.
  for ((i = 1; i < cword; i++)); do
    w=\${words[i]}
    case $w in
      --*=*) ;;
      -*) [[ $_decnet_reaper_string_flags == *" $w "* ]] && ((i++)) ;;
      *) cmd=$w; break ;;
    esac
  done
  local -a before=("\${words[@]:1:cword-1}")
  if [[ $cur == --*=* ]]; then
    kind=$(_decnet_reaper_value_kind "\${cur%%=*}")
    vprefix=\${cur%%=*}=
    value=\${cur#*=}
    kind=\${kind:-none}
  elif ((cword > 1)) && [[ $_decnet_reaper_string_flags == *" \${words[cword-1]} "* ]]; then
    kind=$(_decnet_reaper_value_kind "\${words[cword-1]}")
    kind=\${kind:-none}
  elif [[ $cur == -* ]]; then
    for w in $(_decnet_reaper_flags "$cmd"); do
      # A flag already given is offered again only if it is given once per host (--host).
      if [[ $_decnet_reaper_repeatable != *" $w "* ]]; then
        for rest in "\${before[@]}"; do [[ $rest == "$w" || $rest == "$w="* ]] && continue 2; done
      fi
      cands+=("$w")
    done
  elif [[ -z $cmd ]]; then
    read -ra cands <<<"$_decnet_reaper_commands"
  else
    kind=$(_decnet_reaper_operand_kind "$cmd")
  fi
  case $kind in
    file)
      compopt -o filenames 2>/dev/null
      mapfile -t cands < <(compgen -f -- "$value")
      ;;
    docker-host) cands=(unix:// tcp:// ssh://) ;;
    context) mapfile -t cands < <(_decnet_reaper_call "$self" contexts -- "\${before[@]}") ;;
    swarm-host) mapfile -t cands < <(_decnet_reaper_call "$self" swarm-hosts -- "\${before[@]}") ;;
    host-endpoint)
      if [[ $value == *=* ]]; then
        vprefix+=\${value%%=*}=
        mapfile -t cands < <(_decnet_reaper_call "$self" host-endpoints "\${value%%=*}" -- "\${before[@]}")
      else
        mapfile -t cands < <(_decnet_reaper_call "$self" swarm-hosts -- "\${before[@]}")
        cands=("\${cands[@]/%/=}")
      fi
      ;;
    prefix)
      if ((_decnet_reaper_prefixes)) && [[ " \${before[*]} " != *" --misplaced "* ]]; then
        w=orphan-prefixes
        [[ " \${before[*]} " == *" --torn-down "* ]] && w=torn-down-prefixes
        mapfile -t cands < <(_decnet_reaper_call "$self" "$w" -- "\${before[@]}")
      fi
      ;;
    command) read -ra cands <<<"$_decnet_reaper_commands" ;;
    shell) cands=(${bashWords(SHELLS)}) ;;
  esac
  # Bash replaces only what follows the last = or : of the word (when COMP_WORDBREAKS has them).
  local lead= wb=
  [[ $COMP_WORDBREAKS == *=* ]] && wb+='='
  [[ $COMP_WORDBREAKS == *:* ]] && wb+=':'
  [[ -n $wb && $cur == *[$wb]* ]] && lead=\${cur%"\${cur##*[$wb]}"}
  COMPREPLY=()
  for w in "\${cands[@]}"; do
    w=$vprefix$w
    [[ -n $w && $w == "$cur"* ]] && COMPREPLY+=("\${w#"$lead"}")
  done
  # A value that goes on (NAME=, context:, ssh://) takes no space after it.
  if ((\${#COMPREPLY[@]} == 1)) && [[ \${COMPREPLY[0]} == *[=:/] ]]; then compopt -o nospace 2>/dev/null; fi
  return 0
}

complete -F _decnet_reaper ${PROGRAMS.join(' ')}
`;
}

// ---- zsh ----------------------------------------------------------------------------------

/** Text inside an _arguments description `[...]`, itself inside single quotes. */
function zshDescription(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/([[\]:])/g, '\\$1')
    .replace(/'/g, `'\\''`);
}

/** The action of a value of `kind` in an _arguments spec. */
function zshAction(kind: ValueKind | undefined, prefixes: boolean): string {
  switch (kind) {
    case 'file':
      return '_files';
    case 'docker-host':
      return '_decnet_reaper_docker_hosts';
    case 'context':
      return '_decnet_reaper_contexts';
    case 'swarm-host':
      return '_decnet_reaper_swarm_hosts';
    case 'host-endpoint':
      return '_decnet_reaper_host_endpoints';
    case 'prefix':
      return prefixes ? '_decnet_reaper_prefixes' : ' ';
    case 'command':
      return '_decnet_reaper_commands';
    case 'shell':
      return `(${SHELLS.join(' ')})`;
    default:
      return ' ';
  }
}

function zshFlagSpecs(flags: Record<string, FlagSpec>, prefixes: boolean): string[] {
  return Object.entries(flags).map(([name, f]) => {
    const desc = `[${zshDescription(f.help)}]`;
    const value = f.type === 'string' ? `=${desc}:${(f.arg ?? 'VALUE').replace(/:/g, '')}:${zshAction(f.value, prefixes)}` : desc;
    if (f.short) return `'(-${f.short} --${name})'{-${f.short},--${name}}'${value}'`;
    return `'${f.repeatable ? '*' : ''}--${name}${value}'`;
  });
}

function zshOperands(cmd: CliCommand, prefixes: boolean): string[] {
  if (!cmd.operands) return [];
  const what = cmd.operands === 'file' ? 'plan file' : cmd.operands;
  const many = cmd.operands === 'prefix';
  return [`'${many ? '*' : '1'}:${what}:${zshAction(cmd.operands, prefixes)}'`];
}

function zshScript(commands: readonly CliCommand[], prefixes: boolean, version: string): string {
  allFlags(commands);
  const describe = [...commands.map((c) => [c.name, c.summary]), ['help', 'Describe a command']].map(
    ([n, s]) => `    '${n}:${zshDescription(s ?? '')}'`,
  );
  const topFlags = [
    ...zshFlagSpecs(COMMON_FLAGS, prefixes).filter((s) => !s.includes('--help')),
    `'(- *)'{-h,--help}'[show this help]'`,
    `'(- *)'{-V,--version}'[print the version and the commit it was built from]'`,
  ];
  const perCommand = [...commands, { name: 'help', operands: 'command', flags: {}, common: false } as unknown as CliCommand].map(
    (c) =>
      `    ${c.name})\n      _arguments -s -S \\\n${[...zshFlagSpecs(flagsOf(c), prefixes), ...zshOperands(c, prefixes)]
        .map((s) => `        ${s}`)
        .join(' \\\n')} && ret=0\n      ;;`,
  );
  return `#compdef ${PROGRAMS.join(' ')}
# zsh completion for decnet-reaper ${version}, made by \`decnet-reaper completion zsh${prefixes ? ' --prefixes' : ''}\`
# from the flags the CLI parses. Install one of:
#   decnet-reaper completion zsh > "\${fpath[1]}/_decnet-reaper"     (then start a new shell)
#   source <(decnet-reaper completion zsh)                         (in ~/.zshrc, after compinit)
# Contexts come from ~/.docker and swarm hosts from the database (read only), through the hidden
# \`decnet-reaper ${COMPLETE_COMMAND}\`; prefixes only in a script made with --prefixes (a quick scan).

# The CLI itself, for what only this host knows; quiet when it fails. _decnet_reaper_line is the
# line up to the word completed, program first, kept before _arguments shifts its words.
_decnet_reaper_call() {
  local self=\${_decnet_reaper_line[1]}
  [[ $self == "~/"* ]] && self=$HOME/\${self:2}
  "$self" ${COMPLETE_COMMAND} "$@" -- "\${(@)_decnet_reaper_line[2,-1]}" 2>/dev/null
}

# Each takes the options _arguments passes on to compadd.
_decnet_reaper_contexts() {
  local -a values
  values=(\${(f)"$(_decnet_reaper_call contexts)"})
  compadd "$@" -a values
}

_decnet_reaper_swarm_hosts() {
  local -a values
  values=(\${(f)"$(_decnet_reaper_call swarm-hosts)"})
  compadd "$@" -a values
}

_decnet_reaper_docker_hosts() {
  compadd "$@" -S '' unix:// tcp:// ssh://
}

_decnet_reaper_host_endpoints() {
  local -a values
  if compset -P '*='; then
    values=(\${(f)"$(_decnet_reaper_call host-endpoints "\${IPREFIX%=}")"})
    compadd "$@" -S '' -a values
  else
    values=(\${(f)"$(_decnet_reaper_call swarm-hosts)"})
    compadd "$@" -S '=' -a values
  fi
}

_decnet_reaper_prefixes() {
  local kind=orphan-prefixes
  local -a values
  (( \${_decnet_reaper_line[(I)--misplaced]} )) && return 1
  (( \${_decnet_reaper_line[(I)--torn-down]} )) && kind=torn-down-prefixes
  values=(\${(f)"$(_decnet_reaper_call $kind)"})
  compadd "$@" -a values
}

_decnet_reaper_commands() {
  local -a commands
  commands=(
${describe.join('\n')}
  )
  _describe -t commands 'decnet-reaper command' commands
}

_decnet_reaper() {
  local curcontext=$curcontext state line ret=1
  local -a _decnet_reaper_line=("\${(@)words[1,CURRENT-1]}")
  _arguments -C -s -S \\
${topFlags.map((s) => `    ${s}`).join(' \\\n')} \\
    '1: :_decnet_reaper_commands' \\
    '*:: :->args' && ret=0
  [[ $state == args ]] || return ret
  curcontext=\${curcontext%:*:*}:decnet-reaper-$words[1]:
  case $words[1] in
${perCommand.join('\n')}
  esac
  return ret
}

if [[ \${zsh_eval_context[-1]} == loadautofunc ]]; then
  _decnet_reaper "$@"
else
  compdef _decnet_reaper ${PROGRAMS.join(' ')}
fi
`;
}

/** The completion script for `shell`, from the commands' flag spec. */
export function completionScript(shell: Shell, commands: readonly CliCommand[], opts: { prefixes: boolean; version: string }): string {
  return shell === 'bash' ? bashScript(commands, opts.prefixes, opts.version) : zshScript(commands, opts.prefixes, opts.version);
}

// ---- __complete ---------------------------------------------------------------------------

/** A value a shell can offer as it is: no whitespace, no control character, no quote. */
function offerable(v: string): boolean {
  return v.length > 0 && v.length <= 256 && !/[\s\p{Cc}'"\\`$]/u.test(v);
}

/**
 * `decnet-reaper __complete KIND [NAME] [-- WORDS...]`: the values of KIND, one a line. WORDS are
 * the words of the line being completed, for the database and the endpoint they name (--db,
 * --db-url, --docker-host, --context, --timeout). Whatever fails prints nothing: exit 0.
 */
export async function completeValues(argv: readonly string[], commands: readonly CliCommand[], io: Io): Promise<number> {
  const dash = argv.indexOf('--');
  const [kind, arg] = dash >= 0 ? argv.slice(0, dash) : argv;
  const words = dash >= 0 ? argv.slice(dash + 1) : [];
  let values: string[] = [];
  try {
    values = await valuesOf(kind as CompleteKind, arg, words, commands, io);
  } catch (err) {
    if (io.env.DECNET_REAPER_DEBUG === '1') io.stderr(`decnet-reaper ${COMPLETE_COMMAND}: ${(err as Error).message}`);
  }
  const shown = [...new Set(values.filter(offerable))];
  if (shown.length) io.stdout(shown.join('\n'));
  return 0;
}

async function valuesOf(
  kind: CompleteKind,
  arg: string | undefined,
  words: readonly string[],
  commands: readonly CliCommand[],
  io: Io,
): Promise<string[]> {
  if (kind === 'contexts') return listContextNames(io.env);
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const [name, f] of allFlags(commands))
    options[name] = f.type === 'string' ? { type: 'string', multiple: true } : { type: 'boolean' };
  const { values } = parseArgs({ args: [...words], options, strict: false, allowPositionals: true });
  const once = (name: string): string[] | undefined => {
    const v = values[name];
    return Array.isArray(v) ? (v as unknown[]).slice(-1).map(String) : undefined;
  };
  const picked: Record<string, unknown> = {};
  for (const name of ['db', 'db-url', 'docker-host', 'context']) if (once(name)) picked[name] = once(name);
  const seconds = Number(once('timeout')?.[0]);
  setRequestTimeout(seconds > 0 && seconds <= 60 ? seconds * 1000 : COMPLETE_TIMEOUT_MS);
  const target = resolveTarget('__complete', picked, io);
  switch (kind) {
    case 'swarm-hosts':
    case 'host-endpoints': {
      const read = await readDb(target.db);
      const hosts = read.ok ? (read.value.swarm?.hosts ?? []) : [];
      if (kind === 'swarm-hosts') return [MASTER_NAME, ...hosts.map((h) => h.name)];
      const host = hosts.find((h) => h.name === arg);
      const offered = host ? offeredEndpoint(host) : undefined;
      return [...(offered ? [offered] : []), ...listContextNames(io.env).map((c) => `context:${c}`), 'ssh://', 'tcp://', 'unix://'];
    }
    case 'orphan-prefixes':
    case 'torn-down-prefixes': {
      const result = await scan({ db: target.db, dockerHost: target.dockerHost });
      if (kind === 'orphan-prefixes') return result.orphanPrefixes;
      return result.groups.filter(isTornDown).map((g) => g.prefix);
    }
    default:
      return [];
  }
}
