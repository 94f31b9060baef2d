// argv → one command call: the program and its command groups. Each group's file parses its own
// options and calls one command; the work happens below cli/.
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { addCaCommands } from './ca.js';
import { addCompletionCommand } from './completion.js';
import { addInspectCommand } from './inspect.js';
import { addIssueCommands } from './issue.js';
import type { CliIo } from './options.js';
import { addRolloutCommands } from './rollout.js';
import { addRotateCommand } from './rotate.js';
import { addStatusCommand } from './status.js';
import { addVerifyCommand } from './verify.js';

export function buildProgram(io: CliIo): Command {
  const program = new Command('deploy-tls')
    .description(
      'Roll mutual TLS out to HiveMQ brokers over SSH, keep certificates fresh, prove clients connect.',
    )
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions(); // root options (the rollout's) stay apart from a subcommand's

  addCaCommands(program, io);
  addIssueCommands(program, io);
  addRolloutCommands(program, io);
  addVerifyCommand(program, io);
  addStatusCommand(program, io);
  addRotateCommand(program, io);
  addInspectCommand(program, io);
  addCompletionCommand(program, io); // last: it describes every command added before it
  return program;
}
