// What `up` needs from the machine, and installing what is missing without asking (Debian apt).
import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { $ } from 'zx';
import { DeployTlsError } from '../../src/errors.js';

/** A command (absolute path or name on PATH) and the Debian package that provides it. */
const REQUIRED: ReadonlyArray<readonly [command: string, aptPackage: string]> = [
  ['/usr/sbin/sshd', 'openssh-server'],
  ['ssh', 'openssh-client'],
  ['ssh-keygen', 'openssh-client'],
  ['mosquitto_pub', 'mosquitto-clients'],
  ['mosquitto_sub', 'mosquitto-clients'],
  ['xmllint', 'libxml2-utils'],
  ['openssl', 'openssl'],
  ['unshare', 'util-linux'],
  ['nsenter', 'util-linux'],
  ['setsid', 'util-linux'],
  ['java', 'openjdk-17-jdk-headless'],
  ['javac', 'openjdk-17-jdk-headless'],
  ['mvn', 'maven'],
  // e2e checks the printed systemd unit with systemd's own parser (no running systemd needed).
  ['systemd-analyze', 'systemd'],
  // The reach test bed: network namespaces, and sudo that asks a password.
  ['ip', 'iproute2'],
  ['sudo', 'sudo'],
];

// Debian's maintainer scripts ask invoke-rc.d whether to start a service; exit 101 means "no".
// Without it, installing openssh-server could start a system-wide sshd on 0.0.0.0:22, which would
// take port 22 from every sandbox node.
const POLICY_RC_D = '/usr/sbin/policy-rc.d';

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new DeployTlsError('the sandbox needs root (mount namespaces, sshd on port 22)', {
      hint: 'run it as root, e.g. `sudo npm run sandbox -- up`',
    });
  }
}

async function isInstalled(command: string): Promise<boolean> {
  if (command.startsWith('/')) return existsSync(command);
  return (await $({ nothrow: true, quiet: true })`command -v ${command}`).exitCode === 0;
}

export async function missingPackages(): Promise<string[]> {
  const missing = new Set<string>();
  for (const [command, aptPackage] of REQUIRED) {
    if (!(await isInstalled(command))) missing.add(aptPackage);
  }
  return [...missing];
}

export async function installMissing(log: (line: string) => void): Promise<void> {
  await aptInstall(await missingPackages(), log);
}

/** Installs Debian packages without starting their services; tests use it for the tools they check with. */
export async function aptInstall(packages: readonly string[], log: (line: string) => void): Promise<void> {
  if (packages.length === 0) return;
  log(`installing ${packages.join(', ')} (apt-get)`);
  const ownPolicy = !existsSync(POLICY_RC_D);
  if (ownPolicy)
    writeFileSync(POLICY_RC_D, '#!/bin/sh\n# deploy-tls sandbox: do not start services\nexit 101\n', {
      mode: 0o755,
    });
  try {
    const apt = $({ quiet: true, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    // Several checkouts (or test files) may install at once: wait for dpkg's lock instead of failing.
    const wait = ['-o', 'DPkg::Lock::Timeout=600'];
    await apt`apt-get ${wait} update`;
    await apt`apt-get ${wait} install -y --no-install-recommends ${packages}`;
  } catch (cause) {
    throw new DeployTlsError(`apt-get could not install ${packages.join(', ')}`, {
      hint: 'check the apt sources and network, or install those packages by hand',
      cause,
    });
  } finally {
    if (ownPolicy) unlinkSync(POLICY_RC_D);
  }
}
