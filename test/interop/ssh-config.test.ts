// The ssh config read by the real OpenSSH client (ssh -G): Host patterns and negation, Include
// (globs), first value wins, inventory values on the command line win, and
// StrictHostKeyChecking no refused.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSshConnector } from '../../src/remote/connector.js';
import { sshTarget } from '../../src/remote/target.js';

const home = mkdtempSync(path.join(tmpdir(), 'deploy-tls-sshconfig-'));
mkdirSync(path.join(home, '.ssh'), { mode: 0o700 });
writeFileSync(
  path.join(home, '.ssh', 'config'),
  `Include ${path.join(home, '.ssh', 'fleet*.conf')}
Host broker* !broker9
  User ops
  Port 2222
  ProxyJump bastion
  IdentityFile %d/.ssh/id_%r
Host bastion
  HostName 192.0.2.10
  User jump
Host *
  User fallback
`,
);
writeFileSync(
  path.join(home, '.ssh', 'fleet.conf'),
  `Host legacy
  StrictHostKeyChecking no
Host broker2
  HostName 10.0.0.12
`,
);
const local = { home, user: 'ops', uid: 1000, hostname: 'control' };
const connector = createSshConnector({ local, path: process.env.PATH ?? '/usr/bin:/bin' });
const base = {
  transport: 'builtin' as const,
  become: false,
  agent: false,
  configFile: path.join(home, '.ssh', 'config'),
};
const target = (name: string, ssh: Partial<Parameters<typeof sshTarget>[0]['ssh']> = {}) =>
  sshTarget({ name, address: name, ssh: { ...base, ...ssh } }, {}, false);

describe('the ssh config through ssh -G', () => {
  it('config values fill what the inventory leaves unset; inventory values win; hops resolve too', async () => {
    const plan = await connector.plan(target('broker1'));
    expect(plan.target).toMatchObject({ hostname: 'broker1', user: 'ops', port: 2222 });
    expect(plan.target.identityFiles).toEqual([`${home}/.ssh/id_ops`]);
    expect(plan.jumps).toMatchObject([
      { label: 'jump host bastion', hostname: '192.0.2.10', user: 'jump', port: 22 },
    ]);
    // The config names no UserKnownHostsFile: deploy-tls's default, not ssh's two files.
    expect(plan.knownHosts).toEqual([`${home}/.ssh/known_hosts`]);

    const overridden = await connector.plan(target('broker1', { user: 'root', port: 22, proxyJump: 'none' }));
    expect(overridden.target).toMatchObject({ user: 'root', port: 22 });
    expect(overridden.target.identityFiles).toEqual([`${home}/.ssh/id_root`]); // %r is the inventory's user
    expect(overridden.jumps).toEqual([]);
  });

  it('follows Include (with a glob) and Host negation', async () => {
    const two = await connector.plan(target('broker2'));
    expect(two.target.hostname).toBe('10.0.0.12');
    const nine = await connector.plan(target('broker9'));
    expect(nine.target).toMatchObject({ user: 'fallback', port: 22 });
    expect(nine.jumps).toEqual([]);
  });

  it('no config: the built-in defaults (root, 22, ~/.ssh/id_ed25519)', async () => {
    const plan = await connector.plan(target('broker1', { configFile: 'none' }));
    expect(plan.target).toMatchObject({ user: 'root', port: 22, identityFiles: [`${home}/.ssh/id_ed25519`] });
  });

  it('refuses a config that turns host key checking off', async () => {
    await expect(connector.plan(target('legacy'))).rejects.toThrow(
      /sets StrictHostKeyChecking no for legacy: deploy-tls checks host keys strictly/,
    );
  });
});
