// One child process, no shell: argv in, exit code and output back, stdin from `input` (or closed).
import { spawn } from 'node:child_process';
import type { NodeExecResult } from './fleet-api.js';

export function runProcess(
  argv: readonly string[],
  options: { input?: Buffer | string; timeoutMs?: number } = {},
): Promise<NodeExecResult> {
  const [file, ...args] = argv;
  if (file === undefined) throw new Error('runProcess: empty argv');
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${options.timeoutMs} ms)`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // A child that exits before reading all of stdin closes the pipe: that is its answer, not ours.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout: Buffer.concat(stdout), stderr: `${stderr}${error.message}` });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: Buffer.concat(stdout), stderr });
    });
  });
}
