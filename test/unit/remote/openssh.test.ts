import { describe, expect, it } from 'vitest';
import { HopPool } from '../../../src/remote/hop-pool.js';
import { masterArgs, masterError, optionWord } from '../../../src/remote/openssh.js';
import type { ConnectionPlan, Hop } from '../../../src/remote/target.js';
import { Secret } from '../../../src/secret.js';

const hop = (label: string, hostname: string): Hop => ({
  label,
  alias: hostname,
  hostname,
  port: 22,
  user: 'root',
  identityFiles: ['/keys/id 1'],
  certificateFiles: [],
  identitiesOnly: false,
});
const plan: ConnectionPlan = {
  node: 'broker1',
  transport: 'openssh',
  jumps: [hop('jump host bastion1', '198.51.100.1')],
  target: hop('broker1', '10.0.0.11'),
  knownHosts: ['/etc/kh'],
  acceptNewHostKeys: false,
  become: false,
  passphrase: new Secret('pass-phrase', 'file key.pass'),
  readyTimeoutMs: 15_000,
};

describe('the openssh transport', () => {
  it('passes everything explicitly, strictly, and never a secret', () => {
    const args = masterArgs(
      plan,
      plan.target,
      { dir: '/d', controlPath: '/d/control' },
      {
        via: '/j/control',
        ssh: 'ssh',
        certificates: ['/keys/id 1-cert.pub'],
        askpass: true,
      },
    );
    const line = args.join(' ');
    expect(args.slice(0, 4)).toEqual(['-F', 'none', '-f', '-N']);
    expect(line).toContain('StrictHostKeyChecking=yes');
    expect(line).toContain('UserKnownHostsFile="/etc/kh"');
    expect(line).toContain('GlobalKnownHostsFile=none');
    expect(line).toContain('IdentityFile="/keys/id 1"');
    expect(line).toContain('CertificateFile="/keys/id 1-cert.pub"');
    expect(line).toContain(
      `ProxyCommand=ssh -F none -o ControlMaster=no -S /j/control -W '[%h]:%p' deploy-tls-jump`,
    );
    expect(args.slice(-2)).toEqual(['--', '10.0.0.11']);
    expect(line).not.toContain('pass-phrase');
  });

  it('quotes option values and escapes % (ssh expands tokens in file names)', () => {
    expect(optionWord('/home/o p/%d')).toBe('"/home/o p/%%d"');
    expect(() => optionWord('/x"y')).toThrow(/cannot pass/);
  });

  it("reads ssh's log into errors that name the hop", () => {
    const bastion = plan.jumps[0] as Hop;
    expect(
      masterError(
        plan,
        bastion,
        '@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nOffending ED25519 key in /etc/kh:3\nHost key verification failed.\n',
        255,
      ).message,
    ).toBe('jump host bastion1: the host key of 198.51.100.1 has CHANGED (known_hosts /etc/kh:3)');
    expect(
      masterError(
        plan,
        plan.target,
        'No ED25519 host key is known for 10.0.0.11 and you have requested strict checking.\nHost key verification failed.\n',
        255,
      ).message,
    ).toBe('10.0.0.11 is not in /etc/kh');
    expect(
      masterError(plan, plan.target, 'root@10.0.0.11: Permission denied (publickey).\n', 255).message,
    ).toBe('root@10.0.0.11 refused /keys/id 1');
    expect(
      masterError(plan, bastion, 'ssh: connect to host 198.51.100.1 port 22: Connection refused\n', 255)
        .message,
    ).toBe(
      'jump host bastion1: cannot connect to root@198.51.100.1: ssh: connect to host 198.51.100.1 port 22: Connection refused',
    );
  });
});

describe('shared jump host connections', () => {
  it('opens one connection per key for many users and closes it after the last', async () => {
    const closed: string[] = [];
    let opened = 0;
    const pool = new HopPool<string>(async (value) => {
      closed.push(value);
    });
    const open = async () => `connection ${++opened}`;
    const [a, b] = await Promise.all([pool.acquire('bastion', open), pool.acquire('bastion', open)]);
    expect(a).toBe('connection 1');
    expect(b).toBe('connection 1');
    await pool.release('bastion');
    expect(closed).toEqual([]);
    await pool.release('bastion');
    expect(closed).toEqual(['connection 1']);
    expect(pool.size).toBe(0);
  });

  it('forgets a failed open, so the next node tries again', async () => {
    const pool = new HopPool<string>(async () => {});
    await expect(pool.acquire('bastion', async () => Promise.reject(new Error('refused')))).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await pool.acquire('bastion', async () => 'second')).toBe('second');
  });
});
