import { describe, expect, it } from 'vitest';
import type { SshConfigValues } from '../../../src/remote/ssh-config.js';
import {
  connectionPlan,
  describeTarget,
  expandTokens,
  noConfig,
  type SshTarget,
  sshTarget,
} from '../../../src/remote/target.js';
import { Secret } from '../../../src/secret.js';

const local = { home: '/home/ops', user: 'ops', uid: 1000, hostname: 'control' };

function target(ssh: Partial<Parameters<typeof sshTarget>[0]['ssh']> = {}): SshTarget {
  return sshTarget(
    {
      name: 'broker1',
      address: '10.0.0.11',
      ssh: { transport: 'builtin', become: false, agent: false, ...ssh },
    },
    {},
    false,
  );
}

/** A config as data: what ssh -G would say per host name. */
function config(values: Record<string, Partial<SshConfigValues>>) {
  const asked: string[] = [];
  const lookup = async (host: string) => {
    asked.push(host);
    return { ...noConfig(host), ...values[host] };
  };
  return { lookup, asked };
}

describe('the connection plan', () => {
  it('without inventory values or a config: root, port 22, ~/.ssh/id_ed25519, ~/.ssh/known_hosts, direct', async () => {
    const plan = await connectionPlan(target(), config({}).lookup, local);
    expect(plan.jumps).toEqual([]);
    expect(plan.target).toEqual({
      label: 'broker1',
      alias: '10.0.0.11',
      hostname: '10.0.0.11',
      port: 22,
      user: 'root',
      identityFiles: ['/home/ops/.ssh/id_ed25519'],
      certificateFiles: ['/home/ops/.ssh/id_ed25519-cert.pub'],
      identitiesOnly: false,
    });
    expect(plan.knownHosts).toEqual(['/home/ops/.ssh/known_hosts']);
  });

  it('the config fills what the inventory leaves unset; the inventory wins where it sets a value', async () => {
    const cfg = config({
      'broker1-alias': {
        hostname: '10.9.9.9',
        user: 'deploy',
        port: 2222,
        identityFiles: ['~/.ssh/fleet_%r'],
        knownHosts: ['/etc/fleet/known_hosts'],
        proxyJump: 'bastion',
      },
    });
    const fromConfig = await connectionPlan(target({ host: 'broker1-alias' }), cfg.lookup, local);
    expect(fromConfig.target).toMatchObject({
      hostname: '10.9.9.9',
      user: 'deploy',
      port: 2222,
      identityFiles: ['/home/ops/.ssh/fleet_deploy'],
    });
    expect(fromConfig.knownHosts).toEqual(['/etc/fleet/known_hosts']);
    expect(fromConfig.jumps.map((hop) => hop.alias)).toEqual(['bastion']);

    const inventoryWins = await connectionPlan(
      target({
        host: 'broker1-alias',
        user: 'root',
        port: 22,
        privateKey: '/keys/deploy',
        knownHosts: '/kh',
        proxyJump: 'none',
      }),
      cfg.lookup,
      local,
    );
    expect(inventoryWins.target).toMatchObject({ user: 'root', port: 22, identityFiles: ['/keys/deploy'] });
    expect(inventoryWins.knownHosts).toEqual(['/kh']);
    expect(inventoryWins.jumps).toEqual([]);
  });

  it('jump hosts: user and port from the spec, then their config; keys from their config, else the node key', async () => {
    const cfg = config({
      bastion1: { hostname: '198.51.100.1', user: 'jump', identityFiles: ['/keys/jump'] },
      '10.0.0.5': {},
    });
    const plan = await connectionPlan(
      target({ proxyJump: 'bastion1,deployer@10.0.0.5:2200', privateKey: '/keys/node' }),
      cfg.lookup,
      local,
    );
    expect(plan.jumps).toMatchObject([
      {
        label: 'jump host bastion1',
        hostname: '198.51.100.1',
        user: 'jump',
        port: 22,
        identityFiles: ['/keys/jump'],
      },
      {
        label: 'jump host deployer@10.0.0.5:2200',
        hostname: '10.0.0.5',
        user: 'deployer',
        port: 2200,
        identityFiles: ['/keys/node'],
      },
    ]);
  });

  it("follows the first jump host's own ProxyJump from the config (as ssh -J does), and stops loops", async () => {
    const chained = config({ bastion: { proxyJump: 'outer' }, outer: {} });
    const plan = await connectionPlan(target({ proxyJump: 'bastion' }), chained.lookup, local);
    expect(plan.jumps.map((hop) => hop.alias)).toEqual(['outer', 'bastion']);

    const loop = config({ a: { proxyJump: 'b' }, b: { proxyJump: 'a' } });
    await expect(connectionPlan(target({ proxyJump: 'a' }), loop.lookup, local)).rejects.toThrow(
      /more than 8 jump hosts/,
    );
  });

  it('refuses a config that turns host key checking off, for the node or any hop', async () => {
    const node = config({ '10.0.0.11': { strictHostKeyChecking: 'false' } });
    await expect(connectionPlan(target(), node.lookup, local, '~/.ssh/config')).rejects.toThrow(
      '~/.ssh/config sets StrictHostKeyChecking no for broker1',
    );
    const hop = config({ bastion: { strictHostKeyChecking: 'false' } });
    await expect(connectionPlan(target({ proxyJump: 'bastion' }), hop.lookup, local)).rejects.toThrow(
      /StrictHostKeyChecking no for jump host bastion/,
    );
    // accept-new and ask are no weaker than deploy-tls's strict checking: it stays strict.
    const ask = config({ '10.0.0.11': { strictHostKeyChecking: 'accept-new' } });
    expect((await connectionPlan(target(), ask.lookup, local)).acceptNewHostKeys).toBe(false);
  });

  it('carries secrets as Secrets and an agent socket only when the inventory asks for the agent', async () => {
    const passphrase = new Secret('pp', 'file key.pass');
    const t = sshTarget(
      {
        name: 'broker1',
        address: '10.0.0.11',
        ssh: { transport: 'openssh', become: true, agent: true, agentSocket: '/run/agent' },
      },
      { passphrase },
      false,
    );
    const plan = await connectionPlan(t, config({}).lookup, local);
    expect(plan.passphrase).toBe(passphrase);
    expect(JSON.stringify(plan)).not.toContain('"pp"');
    expect(plan.target.agentSocket).toBe('/run/agent');
    expect(describeTarget(target({ user: 'ops', proxyJump: 'bastion' }))).toBe('ops@10.0.0.11 via bastion');
  });

  it('expands the %-tokens of file names and refuses unknown ones', () => {
    const hop = { alias: 'b1', hostname: '10.0.0.11', port: 22, user: 'root' };
    expect(expandTokens('%d/.ssh/%u-%r@%h:%p-%n-%l-%i-%%', local, hop)).toBe(
      '/home/ops/.ssh/ops-root@10.0.0.11:22-b1-control-1000-%',
    );
    expect(() => expandTokens('~/.ssh/%C', local, hop)).toThrow(/%C is not supported/);
  });
});
