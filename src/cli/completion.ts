// `deploy-tls completion bash|zsh`: a completion script generated from this very program, so every
// command and option that exists completes and nothing that does not.
import { Argument, type Command, type Option } from 'commander';
import { bashCompletion } from '../completion/bash.js';
import { type CommandSpec, type OptionSpec, valueKindOf } from '../completion/spec.js';
import { zshCompletion } from '../completion/zsh.js';
import type { CliIo } from './options.js';

const HELP: OptionSpec = { flags: ['-h', '--help'], description: 'display help for command' };

function placeholder(flags: string): string {
  return /[<[]([^>\]]+?)(?:\.\.\.)?[>\]]/.exec(flags)?.[1] ?? 'value';
}

function optionSpec(option: Option): OptionSpec {
  const flags = [option.short, option.long].filter((f): f is string => f !== undefined);
  const takesValue = option.required || option.optional;
  return {
    flags,
    description: option.description,
    value: takesValue ? valueKindOf(placeholder(option.flags), option.argChoices) : undefined,
  };
}

/** The commander program as data: visible commands, options and positional arguments. */
export function commandSpec(command: Command): CommandSpec {
  return {
    name: command.name(),
    description: command.description(),
    options: [...command.options.filter((o) => !o.hidden).map(optionSpec), HELP],
    arguments: command.registeredArguments.map((argument) => ({
      name: argument.name(),
      description: argument.description,
      // a positional TARGET or FILE is a path more often than not
      value: valueKindOf(/target|file/.test(argument.name()) ? 'file' : argument.name(), argument.argChoices),
    })),
    subcommands: command.commands
      .filter((sub) => !(sub as unknown as { _hidden?: boolean })._hidden)
      .map(commandSpec),
  };
}

export function addCompletionCommand(program: Command, io: CliIo): void {
  program
    .command('completion')
    .description(
      'print a shell completion script: deploy-tls completion bash > /etc/bash_completion.d/deploy-tls',
    )
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => {
      const spec = commandSpec(program);
      io.stdout.write(shell === 'bash' ? bashCompletion(spec) : zshCompletion(spec));
    });
}
