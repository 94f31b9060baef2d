// Every command on a node runs under a deadline: timeout(1) kills it there, and the Remote says so.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RemoteError } from '../../../src/errors.js';
import { ChannelRemote, type ExecChannel } from '../../../src/remote/channel-remote.js';
import type { ExecResult } from '../../../src/remote/remote.js';

/** A channel that runs the command in a local sh, as sshd would on a node. */
const localShell: ExecChannel = {
  async exec(command, stdin): Promise<ExecResult> {
    const result = spawnSync('sh', ['-c', command], { input: stdin, encoding: 'utf8' });
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  },
  async close() {},
};

const remote = new ChannelRemote('broker1', localShell, { become: false, user: 'root' }, 'none');

describe('ChannelRemote deadlines', () => {
  it('kills a command that outlives its timeout and names it', async () => {
    const started = Date.now();
    const error = await remote.exec('sleep 30', { timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).message).toBe('`sleep 30` did not finish within 1 s');
    expect((error as RemoteError).node).toBe('broker1');
  });

  it('leaves a command that finishes in time alone, stdin and exit code included', async () => {
    const result = await remote.exec('cat; exit 3', { stdin: 'hello', timeoutMs: 5_000 });
    expect(result).toEqual({ code: 3, stdout: 'hello', stderr: '' });
  });
});
