// `decnet-reaper completion bash|zsh [--prefixes]`: the shell completion script (../completion.ts).
import type { CliCommand, CommandContext } from '../command';
import { completionScript, SHELLS, type Shell } from '../completion';
import { EXIT_OK, usageError } from '../errors';

export const completionCommand: CliCommand = {
  name: 'completion',
  summary: 'Print the bash or zsh completion script',
  synopsis: ['completion bash [--prefixes]', 'completion zsh [--prefixes]'],
  description: [
    'Prints a script that completes commands, flags and their values in bash or zsh: --context with',
    'the Docker contexts (read from ~/.docker), --on and --host with the hosts of the swarm (read from',
    "the database's swarm_hosts), files where a file goes. Docker is asked nothing unless the script",
    'is made with --prefixes: then PREFIX after reap and plan offers the orphan prefixes (the',
    'torn-down ones after --torn-down) of a quick scan at each <Tab>.',
  ].join('\n'),
  common: false,
  operands: 'shell',
  flags: {
    prefixes: { type: 'boolean', help: 'also complete PREFIX from a quick scan of the database and Docker' },
  },
  json: '',
  exits: ['0  printed', '2  bad usage'],
  examples: [
    'decnet-reaper completion bash > /etc/bash_completion.d/decnet-reaper',
    'decnet-reaper completion bash > ~/.local/share/bash-completion/completions/decnet-reaper',
    'decnet-reaper completion zsh > "${fpath[1]}/_decnet-reaper"',
    'eval "$(decnet-reaper completion bash --prefixes)"',
  ],
  async run(ctx: CommandContext): Promise<number> {
    const [shell, ...rest] = ctx.args;
    if (!shell || rest.length || !SHELLS.includes(shell as Shell)) {
      throw usageError(`completion takes one shell: ${SHELLS.join(' or ')}`, 'completion');
    }
    const script = completionScript(shell as Shell, ctx.commands, { prefixes: ctx.flags.prefixes === true, version: ctx.version });
    ctx.io.stdout(script.replace(/\n$/, ''));
    return EXIT_OK;
  },
};
