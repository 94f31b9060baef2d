import { describe, expect, it } from 'vitest';
import { ExitCode, RemoteError } from '../../../src/errors.js';
import { becomeMode, ChannelRemote, type ExecChannel } from '../../../src/remote/channel-remote.js';
import type { ExecResult } from '../../../src/remote/remote.js';
import { Secret } from '../../../src/secret.js';

/** A channel that records commands and stdin, and answers sudo like a node whose sudo wants `secret`. */
function node(options: { nopasswd?: boolean } = {}) {
  const calls: { command: string; stdin: string }[] = [];
  const channel: ExecChannel = {
    async exec(command, stdin): Promise<ExecResult> {
      const input = stdin?.toString() ?? '';
      calls.push({ command, stdin: input });
      if (command === 'sudo -n true')
        return { code: options.nopasswd ? 0 : 1, stdout: '', stderr: 'sudo: a password is required\n' };
      if (command.startsWith('sudo -S -k')) {
        const [line] = input.split('\n');
        return line === 'secret'
          ? { code: 0, stdout: '', stderr: '' }
          : { code: 1, stdout: '', stderr: 'Sorry, try again.\nsudo: 1 incorrect password attempt\n' };
      }
      return { code: 0, stdout: '', stderr: '' };
    },
    async close() {},
  };
  return { channel, calls };
}

const settings = (password?: string) => ({
  become: true,
  user: 'deployer',
  password: password === undefined ? undefined : new Secret(password, 'file become.pass'),
});

describe('become: sudo with a password', () => {
  it('sends the password as the first stdin line of sudo -S, never in the command', async () => {
    const { channel, calls } = node();
    const mode = await becomeMode(channel, 'broker1', settings('secret'));
    expect(mode).toBe('sudo-password');
    const remote = new ChannelRemote('broker1', channel, settings('secret'), mode);
    await remote.run('cat > /tmp/x', { stdin: 'DATA' });
    const last = calls.at(-1);
    // Every command runs under timeout(1) on the node, inside sudo.
    expect(last?.command).toBe(`sudo -S -k -p '' sh -c 'timeout -k 10 120 sh -c '\\''cat > /tmp/x'\\'''`);
    expect(last?.stdin).toBe('secret\nDATA');
    for (const call of calls) expect(call.command).not.toContain('secret');
  });

  it('when sudo needs no password (NOPASSWD), never sends it', async () => {
    const { channel, calls } = node({ nopasswd: true });
    const mode = await becomeMode(channel, 'broker1', settings('secret'));
    expect(mode).toBe('sudo');
    const remote = new ChannelRemote('broker1', channel, settings('secret'), mode);
    await remote.run('id');
    expect(calls.at(-1)).toEqual({ command: "sudo -n sh -c 'timeout -k 10 120 sh -c id'", stdin: '' });
    expect(calls.map((call) => call.stdin).join('')).not.toContain('secret');
  });

  it('a wrong password is an input error (exit 2) before any command runs', async () => {
    const { channel, calls } = node();
    const error = await becomeMode(channel, 'broker1', settings('wrong')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).message).toBe(
      'sudo refused the become password for deployer (file become.pass)',
    );
    expect((error as RemoteError).exitCode).toBe(ExitCode.usage);
    expect(calls.map((call) => call.command)).toEqual(['sudo -n true', "sudo -S -k -p '' true"]);
  });

  it('refuses a password with a line break: sudo -S reads one line', async () => {
    const { channel } = node();
    await expect(becomeMode(channel, 'broker1', settings('a\nb'))).rejects.toThrow(/line break/);
  });

  it('root, or become off: commands run as they are', async () => {
    const { channel } = node();
    expect(await becomeMode(channel, 'b', { become: true, user: 'root' })).toBe('none');
    expect(await becomeMode(channel, 'b', { become: false, user: 'ops' })).toBe('none');
    expect(await becomeMode(channel, 'b', { become: true, user: 'ops' })).toBe('sudo');
  });
});
