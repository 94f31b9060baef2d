#!/usr/bin/env node
// The one exit: the process's streams, environment and clock go in, an exit code comes out.
import { systemClock } from '../clock.js';
import { ExitCode } from '../errors.js';
import { VERSION } from '../version.js';
import type { CliIo } from './options.js';

process.on('SIGINT', () => {
  process.stderr.write('\n✖ interrupted\n');
  process.exit(ExitCode.interrupted); // a held CA lock names this dead PID, so the next run clears it
});

const io: CliIo = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  clock: systemClock,
  cwd: process.cwd(),
  execPath: process.execPath,
  script: process.argv[1] ?? '',
  random: Math.random,
  onTerminate: (handler) => process.once('SIGTERM', handler),
  kill: (signal) => process.kill(process.pid, signal),
};
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // The version needs nothing else: answered before the command-line parser and commands load.
  io.stdout.write(`${VERSION}\n`);
} else {
  const { run } = await import('./run.js');
  process.exitCode = await run(argv, io);
}
