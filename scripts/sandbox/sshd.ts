// One Debian OpenSSH server per node, listening on the node's address only, started inside the
// node's mount namespace so every session sees that node's /etc/ssl/hivemq and /opt/hivemq.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import type { NodeLayout, SandboxLayout } from './layout.js';
import { inNamespace } from './namespace.js';
import { sshGreets } from './probes.js';
import { recordedPid, terminate, waitFor } from './processes.js';

const SSHD = '/usr/sbin/sshd';

/** The client key `up` generates once; root logs in to every node with it and nothing else. */
export async function ensureClientKey(layout: SandboxLayout): Promise<void> {
  if (!existsSync(layout.sshKey)) {
    await $({ quiet: true })`ssh-keygen -q -t ed25519 -N ${''} -C deploy-tls-sandbox -f ${layout.sshKey}`;
  }
  writeFileSync(layout.authorizedKeys, readFileSync(`${layout.sshKey}.pub`), { mode: 0o600 });
}

function sshdConfig(layout: SandboxLayout, node: NodeLayout, sshPort: number): string {
  return `# sshd for sandbox node ${node.name}, written by \`npm run sandbox -- up\`.
ListenAddress ${node.address}:${sshPort}
HostKey ${node.hostKey}
PidFile ${node.sshdPidFile}
PermitRootLogin prohibit-password
AuthorizedKeysFile ${layout.authorizedKeys}
# The checkout may live under a world-writable folder such as /tmp (CI clones anywhere); sshd's
# StrictModes would then refuse the key. The key file itself is 0600 and the sandbox is root's.
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
# No PAM: root logs in by key only, and PAM's session modules have nothing to do here.
UsePAM no
X11Forwarding no
PrintMotd no
# The rollout uploads keystores and config.xml over SFTP.
Subsystem sftp internal-sftp
# e2e tests and parallel rollout stages open many sessions at once.
MaxStartups 100:30:200
MaxSessions 50
`;
}

export function sshdPid(node: NodeLayout): number | undefined {
  return recordedPid(node.sshdPidFile, node.sshdConfig);
}

export async function writeSshdFiles(
  layout: SandboxLayout,
  node: NodeLayout,
  sshPort: number,
): Promise<void> {
  mkdirSync(path.dirname(node.sshdConfig), { recursive: true });
  if (!existsSync(node.hostKey)) {
    await $({ quiet: true })`ssh-keygen -q -t ed25519 -N ${''} -C ${`root@${node.host}`} -f ${node.hostKey}`;
  }
  writeFileSync(node.sshdConfig, sshdConfig(layout, node, sshPort));
}

export async function startSshd(node: NodeLayout, holder: number, sshPort: number): Promise<number> {
  const running = sshdPid(node);
  if (running !== undefined) return running;
  // Privilege separation directory; Debian's service unit would create it.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  // -f our config (with the config path in argv, `down` can recognise this sshd), -E our log.
  await $({ quiet: true })`${inNamespace(holder)} ${SSHD} -f ${node.sshdConfig} -E ${node.sshdLog}`;
  const pid = await waitFor(`${node.name}'s sshd to write ${node.sshdPidFile}`, () => sshdPid(node), {
    timeoutMs: 10_000,
  });
  await waitFor(
    `${node.name}'s sshd on ${node.address}:${sshPort} (see ${node.sshdLog})`,
    async () => (await sshGreets(node.address, sshPort)) || undefined,
    { timeoutMs: 10_000 },
  );
  return pid;
}

export async function stopSshd(node: NodeLayout): Promise<void> {
  const pid = sshdPid(node);
  if (pid !== undefined) await terminate(pid, 10_000);
}

/** The known_hosts line for a node: its address (and name), as the client looks them up. */
export function knownHostsLine(node: NodeLayout, sshPort: number): string {
  const [type, key] = readFileSync(`${node.hostKey}.pub`, 'utf8').trim().split(/\s+/);
  const names = [node.address, node.host].map((name) => (sshPort === 22 ? name : `[${name}]:${sshPort}`));
  return `${names.join(',')} ${type} ${key}`;
}
