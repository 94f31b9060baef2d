// Parse argv, run one command, map any error to an exit code. main.ts is the process edge.
import { CommanderError } from 'commander';
import { DeployTlsError, ExitCode } from '../errors.js';
import type { CliIo } from './options.js';
import { buildProgram } from './program.js';
import { renderError } from './render.js';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  program.exitOverride();
  program.configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  for (const command of program.commands.flatMap((c) => [c, ...c.commands])) command.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander printed its own message (or the help); help and version are not failures.
      const fine = ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code);
      return fine ? ExitCode.ok : ExitCode.usage;
    }
    io.stderr.write(renderError(error, io.env.DEPLOY_TLS_DEBUG === '1'));
    return error instanceof DeployTlsError ? error.exitCode : ExitCode.failure;
  }
}
