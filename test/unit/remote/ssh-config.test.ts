import { describe, expect, it } from 'vitest';
import { configWrapper, parseSshG, sshConfigArgs } from '../../../src/remote/ssh-config.js';

// Recorded from OpenSSH 9.2 `ssh -G` with the wrapper of configWrapper() (lines trimmed to the ones read).
const BASTION = `host bastion
user jump
hostname 198.18.5.2
port 2222
identitiesonly no
stricthostkeychecking ask
identityagent /deploy-tls-unset
identityfile ~/.ssh/jumpkey
identityfile /deploy-tls-unset
certificatefile /deploy-tls-unset
userknownhostsfile /deploy-tls-unset
`;
const BROKER = `host broker1
user deploy-tls-unset
hostname broker1
port 22
identitiesonly yes
stricthostkeychecking false
identityagent /run/agent.sock
identityfile /deploy-tls-unset
certificatefile ~/.ssh/ops-cert.pub
certificatefile /deploy-tls-unset
userknownhostsfile /etc/deploy/known_hosts /root/.ssh/known_hosts2
proxyjump bastion,ops@10.0.0.5:2222
`;

describe('ssh -G', () => {
  it('puts inventory values on the command line, where ssh ranks them above the config', () => {
    expect(sshConfigArgs('broker1', { user: 'ops', port: 2222 })).toEqual([
      '-G',
      '-l',
      'ops',
      '-p',
      '2222',
      '--',
      'broker1',
    ]);
    expect(configWrapper('/home/ops/.ssh/config')).toMatch(
      /^Include "\/home\/ops\/\.ssh\/config"\nMatch all\n/,
    );
    expect(() => configWrapper('/x"\nProxyCommand touch /tmp/p')).toThrow(/cannot name/);
  });

  it('tells values the config set from sentinels (ssh defaults stay unset)', () => {
    expect(parseSshG(BASTION)).toEqual({
      hostname: '198.18.5.2',
      user: 'jump',
      port: 2222,
      identityFiles: ['~/.ssh/jumpkey'],
      certificateFiles: [],
      knownHosts: undefined,
      proxyJump: undefined,
      identitiesOnly: false,
      strictHostKeyChecking: 'ask',
      identityAgent: undefined,
    });
    expect(parseSshG(BROKER)).toEqual({
      hostname: 'broker1',
      user: undefined,
      port: 22,
      identityFiles: [],
      certificateFiles: ['~/.ssh/ops-cert.pub'],
      knownHosts: ['/etc/deploy/known_hosts', '/root/.ssh/known_hosts2'],
      proxyJump: 'bastion,ops@10.0.0.5:2222',
      identitiesOnly: true,
      strictHostKeyChecking: 'false',
      identityAgent: '/run/agent.sock',
    });
  });
});
