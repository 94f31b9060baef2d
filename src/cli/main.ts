#!/usr/bin/env node
// The one exit: the process's streams and clock go in, an exit code comes out.
import { ExitCode } from '../errors.js';
import type { CliIo } from './options.js';
import { run } from './run.js';

process.on('SIGINT', () => {
  process.stderr.write('\n✖ interrupted\n');
  process.exit(ExitCode.interrupted); // a held CA lock names this dead PID, so the next run clears it
});

const io: CliIo = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  now: () => new Date(),
};
process.exitCode = await run(process.argv.slice(2), io);
