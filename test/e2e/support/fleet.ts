// The sandbox fleet as the e2e tests see it: nodes, files and small helpers over the real tools.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { savedSettings } from '../../../scripts/sandbox/fleet.js';
import {
  DEFAULT_SSH_PORT,
  MQTT_PORT,
  type NodeLayout,
  nodeLayout,
  sandboxLayout,
} from '../../../scripts/sandbox/layout.js';
import { mqttAccepts } from '../../../scripts/sandbox/probes.js';
import { waitFor } from '../../../scripts/sandbox/processes.js';

export const E2E_NODES = 3;
export const layout = sandboxLayout();
/** The port the running fleet's sshd listens on (`up --ssh-port`), read after global setup. */
export const sshPort = (): number => savedSettings(layout)?.sshPort ?? DEFAULT_SSH_PORT;
export const nodes: NodeLayout[] = Array.from({ length: E2E_NODES }, (_, i) => nodeLayout(layout, i + 1));

export function node(index: number): NodeLayout {
  const found = nodes[index - 1];
  if (found === undefined) throw new Error(`the e2e fleet has no node ${index}`);
  return found;
}

const execFileAsync = promisify(execFile);

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program without a shell and never throws on a non-zero exit: tests assert on the code. */
export async function run(
  file: string,
  args: string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CommandResult> {
  try {
    const running = execFileAsync(file, args, {
      timeout: options.timeoutMs ?? 30_000,
      env: options.env ?? process.env,
      cwd: options.cwd,
      maxBuffer: 16 * 1024 * 1024,
    });
    // No input: EOF at once, or tools such as openssl s_client wait on stdin until the peer gives up.
    running.child.stdin?.end();
    const { stdout, stderr } = await running;
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string; killed?: boolean };
    return {
      code: typeof failed.code === 'number' ? failed.code : -1,
      stdout: failed.stdout ?? '',
      stderr: `${failed.stderr ?? ''}${failed.killed ? `\n(killed after ${options.timeoutMs ?? 30_000} ms)` : ''}`,
    };
  }
}

/** The system ssh client, with the host-key checking deploy-tls itself uses. */
export function sshArgs(target: NodeLayout, knownHosts = layout.knownHosts): string[] {
  return [
    '-p',
    String(sshPort()),
    '-i',
    layout.sshKey,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
    `root@${target.address}`,
  ];
}

export function ssh(target: NodeLayout, command: string, timeoutMs = 30_000): Promise<CommandResult> {
  return run('ssh', [...sshArgs(target), command], { timeoutMs });
}

/** Like ssh(), but a non-zero exit is an error that carries the remote stderr. */
export async function sshOk(target: NodeLayout, command: string, timeoutMs = 30_000): Promise<string> {
  const result = await ssh(target, command, timeoutMs);
  if (result.code !== 0) {
    throw new Error(`ssh ${target.name} '${command}' exited ${result.code}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

export function waitUntilMqttAccepts(target: NodeLayout, timeoutMs = 60_000): Promise<true> {
  return waitFor(
    `${target.name} to accept MQTT on ${target.address}:${MQTT_PORT}`,
    async () => (await mqttAccepts(target.address, MQTT_PORT)) || undefined,
    { timeoutMs, intervalMs: 50 },
  );
}

export const uniqueTopic = (prefix: string) =>
  `deploy-tls-e2e/${prefix}/${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
