// The fleet under test as the e2e tests see it: nodes, files and small helpers over the real tools.
// DEPLOY_TLS_FLEET selects it (namespace | container:<release>); every helper here works the same on
// each, so the test files do not ask which one runs.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { FleetNode } from '../../../scripts/sandbox/fleet-api.js';
import { MQTT_PORT, sandboxLayout } from '../../../scripts/sandbox/layout.js';
import {
  nodeFileSize,
  nodeTreeHashes,
  readNodeFile,
  type WriteOptions,
  writeNodeFile,
} from '../../../scripts/sandbox/node-files.js';
import { mqttAccepts } from '../../../scripts/sandbox/probes.js';
import { waitFor } from '../../../scripts/sandbox/processes.js';
import { openFleet } from '../../../scripts/sandbox/select.js';

export const E2E_NODES = 3;
export const fleet = openFleet();
/** Files on this machine: the fleet's inventory, known_hosts, key and HiveMQ's config.xsd. */
export const layout = {
  repoRoot: sandboxLayout().repoRoot,
  inventory: fleet.paths.inventory,
  knownHosts: fleet.paths.knownHosts,
  sshKey: fleet.paths.sshKey,
  configXsd: fleet.paths.configXsd,
};
/** The port the running fleet's sshd listens on, read after global setup. */
export const sshPort = (): number => fleet.sshPort();
export const nodes: FleetNode[] = Array.from({ length: E2E_NODES }, (_, i) => fleet.node(i + 1));

export function node(index: number): FleetNode {
  const found = nodes[index - 1];
  if (found === undefined) throw new Error(`the e2e fleet has no node ${index}`);
  return found;
}

/** Where HiveMQ and deploy-tls keep things on every node (the inventory's defaults). */
export const NODE_PATHS = {
  ssl: '/etc/ssl/hivemq',
  home: '/opt/hivemq',
  configXml: '/opt/hivemq/conf/config.xml',
  hivemqLog: '/opt/hivemq/log/hivemq.log',
} as const;

// Root's view of a node, not through its sshd: what the tests check deploy-tls's work with.
export const readFile = async (target: FleetNode, file: string) =>
  (await readNodeFile(fleet, target, file)).toString('utf8');
export const writeFile = (target: FleetNode, file: string, data: Buffer | string, options?: WriteOptions) =>
  writeNodeFile(fleet, target, file, data, options);
export const fileSize = (target: FleetNode, file: string) => nodeFileSize(fleet, target, file);
export const treeHashes = (target: FleetNode, dir: string) => nodeTreeHashes(fleet, target, dir);
export const brokerPid = (target: FleetNode) => fleet.brokerPid(target);
/** Keystore owner and mode as deploy-tls sets them: 0640 root:<the broker's user>. */
export const KEYSTORE_FILE: WriteOptions = { mode: 0o640, owner: `root:${fleet.serviceUser}` };

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

/** The system ssh client as the inventory's user, with the host-key checking deploy-tls itself uses. */
export function sshArgs(target: FleetNode, knownHosts = layout.knownHosts): string[] {
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
    `${fleet.login.user}@${target.address}`,
  ];
}

export function ssh(target: FleetNode, command: string, timeoutMs = 30_000): Promise<CommandResult> {
  return run('ssh', [...sshArgs(target), command], { timeoutMs });
}

/** Like ssh(), but a non-zero exit is an error that carries the remote stderr. */
export async function sshOk(target: FleetNode, command: string, timeoutMs = 30_000): Promise<string> {
  const result = await ssh(target, command, timeoutMs);
  if (result.code !== 0) {
    throw new Error(`ssh ${target.name} '${command}' exited ${result.code}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/** The inventory's restart command over ssh, through sudo where the inventory says become. */
export function restartBroker(target: FleetNode, timeoutMs = 90_000): Promise<string> {
  const command = fleet.login.become ? `sudo -n ${fleet.restartCommand}` : fleet.restartCommand;
  return sshOk(target, command, timeoutMs);
}

/** Starts or stops the broker over ssh with the node's own service manager. */
export function brokerService(
  target: FleetNode,
  action: 'start' | 'stop',
  timeoutMs = 90_000,
): Promise<string> {
  const command = fleet.serviceCommand(action);
  return sshOk(target, fleet.login.become ? `sudo -n ${command}` : command, timeoutMs);
}

export function waitUntilMqttAccepts(target: FleetNode, timeoutMs = 60_000): Promise<true> {
  return waitFor(
    `${target.name} to accept MQTT on ${target.address}:${MQTT_PORT}`,
    async () => (await mqttAccepts(target.address, MQTT_PORT)) || undefined,
    { timeoutMs, intervalMs: 50 },
  );
}

export const uniqueTopic = (prefix: string) =>
  `deploy-tls-e2e/${prefix}/${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

/** A regular expression matching `text` literally (addresses in known_hosts lines). */
export const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
