// mosquitto_sub as a second, independent client. It subscribes asynchronously after it starts, so
// with -d we watch for its SUBACK before anyone publishes instead of sleeping. Its stdout is a pipe,
// which libc buffers until exit: stdbuf -oL makes each line arrive when it is printed.
import { spawn } from 'node:child_process';

export interface MosquittoSubscription {
  /** Resolves once the broker acknowledged the subscription. */
  subscribed: Promise<void>;
  /** Resolves when mosquitto_sub exits (after one message, or after its -W timeout). */
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export function mosquittoSub(args: string[], timeoutSeconds = 15): MosquittoSubscription {
  const child = spawn(
    'stdbuf',
    ['-oL', 'mosquitto_sub', '-d', '-C', '1', '-W', String(timeoutSeconds), ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  let onSubscribed: () => void = () => {};
  const subscribed = new Promise<void>((resolve, reject) => {
    onSubscribed = resolve;
    child.once('exit', (code) =>
      reject(new Error(`mosquitto_sub exited ${code} before SUBACK: ${stderr}${stdout}`)),
    );
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes('received SUBACK')) onSubscribed();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
  // A rejection nobody awaits (exit after SUBACK) must not fail the run.
  subscribed.catch(() => {});
  return { subscribed, done };
}
