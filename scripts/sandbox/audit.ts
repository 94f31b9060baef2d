// A second client key whose sessions are audited: its authorized_keys entry forces a wrapper
// (OpenSSH sshd(8), AUTHORIZED_KEYS FILE FORMAT, command="…"), so sshd never runs what the client
// asked for itself. The wrapper writes the requested command ($SSH_ORIGINAL_COMMAND) byte for
// byte to a file of its own, then runs it exactly as sshd would have: with the user's login shell
// and `-c` (sshd's do_child). Every command of every session with this key is therefore logged,
// including ones that fail. The wrapper lives on the host; sessions of every node can reach it
// because a node's mount namespace only replaces /etc/ssl/hivemq and /opt/hivemq.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import type { SandboxLayout } from './layout.js';

export interface AuditLayout {
  /** Private key: use it as ssh.privateKey to have a session audited. */
  key: string;
  wrapper: string;
  /** One folder per node address (the server address of SSH_CONNECTION), one file per command. */
  logs: string;
}

export function auditLayout(layout: SandboxLayout): AuditLayout {
  const dir = path.join(layout.state, 'audit');
  return {
    key: path.join(dir, 'id_ed25519'),
    wrapper: path.join(dir, 'log-command.sh'),
    logs: path.join(dir, 'logs'),
  };
}

/**
 * File names sort in the order the commands arrived (nanoseconds since the epoch, then the
 * wrapper's pid for two in one nanosecond); mktemp makes each file exclusively, 0600.
 */
function wrapperScript(audit: AuditLayout): string {
  return `#!/bin/sh
# Written by the deploy-tls sandbox (scripts/sandbox/audit.ts): log, then run as sshd would.
set -e
# SSH_CONNECTION is set by sshd: client address, client port, server address, server port.
set -- $SSH_CONNECTION
server=$3
dir='${audit.logs}'/"$server"
mkdir -p -- "$dir"
log=$(mktemp -- "$dir/$(date +%s%N).$$.XXXXXX")
printf '%s' "$SSH_ORIGINAL_COMMAND" > "$log"
set +e
if [ -z "$SSH_ORIGINAL_COMMAND" ]; then exec "\${SHELL:-/bin/sh}"; fi
exec "\${SHELL:-/bin/sh}" -c "$SSH_ORIGINAL_COMMAND"
`;
}

/**
 * Creates the audit key and wrapper once and makes sure authorized_keys (which `up` rewrites)
 * holds the forced-command line for it. Idempotent; needs no restart (sshd reads authorized_keys
 * at each login).
 */
export async function ensureAuditKey(layout: SandboxLayout): Promise<AuditLayout> {
  const audit = auditLayout(layout);
  if (/["\\\s]/.test(audit.wrapper))
    throw new Error(`the sandbox path ${audit.wrapper} cannot be written into authorized_keys' command="…"`);
  mkdirSync(path.dirname(audit.key), { recursive: true, mode: 0o700 });
  mkdirSync(audit.logs, { recursive: true, mode: 0o700 });
  if (!existsSync(audit.key)) {
    await $({ quiet: true })`ssh-keygen -q -t ed25519 -N ${''} -C deploy-tls-audit -f ${audit.key}`;
  }
  writeFileSync(audit.wrapper, wrapperScript(audit), { mode: 0o755 });
  const publicKey = readFileSync(`${audit.key}.pub`, 'utf8').trim();
  const line = `command="${audit.wrapper}",no-port-forwarding,no-agent-forwarding,no-X11-forwarding,no-pty ${publicKey}`;
  const current = existsSync(layout.authorizedKeys) ? readFileSync(layout.authorizedKeys, 'utf8') : '';
  if (!current.split('\n').includes(line)) {
    const kept = current.split('\n').filter((entry) => entry.trim() !== '' && !entry.includes(publicKey));
    writeFileSync(layout.authorizedKeys, `${[...kept, line].join('\n')}\n`, { mode: 0o600 });
  }
  return audit;
}

/** The commands the audited key ran on the node with this address, in order. */
export function auditedCommands(audit: AuditLayout, address: string): string[] {
  const dir = path.join(audit.logs, address);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort((a, b) => {
      const [na = 0n, nb = 0n] = [a, b].map((name) => BigInt(name.split('.')[0] ?? '0'));
      return na < nb ? -1 : na > nb ? 1 : a.localeCompare(b);
    })
    .map((name) => readFileSync(path.join(dir, name), 'utf8'));
}

/** Forgets what was logged so far (all nodes). */
export function clearAudit(audit: AuditLayout): void {
  rmSync(audit.logs, { recursive: true, force: true });
  mkdirSync(audit.logs, { recursive: true, mode: 0o700 });
}
