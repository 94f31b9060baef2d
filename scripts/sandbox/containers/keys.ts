// SSH keys of the container fleet, made on this machine with ssh2 (no ssh-keygen needed, so a
// machine with only Docker and Node runs the fleet) and kept in the fleet's folder: a node
// container that is re-created keeps its host key, and known_hosts stays true.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { FleetNode } from '../fleet-api.js';

export interface KeyPair {
  /** OpenSSH private key file contents (unencrypted: a test bed key). */
  private: string;
  /** `ssh-ed25519 AAAA… comment` */
  public: string;
}

function keyPair(file: string, comment: string): KeyPair {
  if (!existsSync(file) || !existsSync(`${file}.pub`)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const made = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    writeFileSync(file, made.private, { mode: 0o600 });
    writeFileSync(`${file}.pub`, `${made.public}\n`);
  }
  return { private: readFileSync(file, 'utf8'), public: readFileSync(`${file}.pub`, 'utf8').trim() };
}

/** The key the inventory logs in with (the login user's authorized key on every node). */
export const clientKey = (file: string): KeyPair => keyPair(file, 'deploy-tls-test-bed');

/** A node's host key, kept in dir. */
export const hostKey = (dir: string, host: string): KeyPair =>
  keyPair(path.join(dir, 'ssh_host_ed25519_key'), `root@${host}`);

/** The known_hosts line for a node: its address and name, as the client looks them up. */
export function knownHostsLine(node: FleetNode, sshPort: number, publicKey: string): string {
  const [type, key] = publicKey.split(/\s+/);
  const names = [node.address, node.host].map((name) => (sshPort === 22 ? name : `[${name}]:${sshPort}`));
  return `${names.join(',')} ${type} ${key}`;
}
