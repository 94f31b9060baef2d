// What every command shares: the process's edges as a value, and small option parsers.
import { InvalidArgumentError } from 'commander';
import type { RendererName } from '../tasks/stage.js';
import type { SecretIo } from './secrets.js';

export interface CliIo extends SecretIo {
  stdout: NodeJS.WriteStream;
  now: () => Date;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

export function rendererFor(flags: { json?: boolean }, io: CliIo): RendererName {
  return flags.json ? 'silent' : io.stdout.isTTY ? 'default' : 'simple';
}
