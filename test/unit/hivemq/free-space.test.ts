// The free-space check runs `stat -f` through sh: here it runs on this machine's own coreutils, so
// the figures it parses are real ones, and the refusal is shown with a node that answers too little.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freeSpaceScript, requireFreeSpace, spaceNeeded } from '../../../src/hivemq/install.js';
import { FakeRemote } from '../../helpers/fake-remote.js';

const exec = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'deploy-tls-space-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A Remote whose commands run in this machine's sh, as they would on a node. */
function localRemote(): FakeRemote {
  const remote = new FakeRemote({ node: 'local' });
  remote.exec = async (command: string) => {
    const result = await exec('sh', ['-c', command]).then(
      (r) => ({ ...r, code: 0 }),
      (e: { stdout: string; stderr: string; code: number }) => e,
    );
    return { stdout: result.stdout, stderr: result.stderr, code: result.code };
  };
  return remote;
}

describe('free space before a change', () => {
  it("reads each path's filesystem, walking up to the nearest folder that exists", async () => {
    const missing = join(work, "not yet' made", 'backup');
    const { stdout } = await exec('sh', ['-c', freeSpaceScript([work, missing])]);
    const fs = await statfs(work);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const [blocks, size] = line.split(' ').map(Number);
      // Free blocks move as the machine writes; the block size and the order of magnitude do not.
      expect(size).toBe(fs.bsize);
      expect(Math.abs((blocks as number) - fs.bavail)).toBeLessThan(fs.bavail / 10 + 1024);
    }
  });

  it('passes when the filesystem has room, and refuses naming the path and the figures when not', async () => {
    const remote = localRemote();
    await expect(requireFreeSpace(remote, [join(work, 'keystore.jks')], spaceNeeded(40_000))).resolves.toBe(
      undefined,
    );
    const fs = await statfs(work);
    const tooMuch = fs.bavail * fs.bsize + 1024 * 1024 * 1024;
    await expect(requireFreeSpace(remote, [join(work, 'keystore.jks')], tooMuch)).rejects.toThrow(
      new RegExp(`KiB free where ${join(work, 'keystore.jks')} is written; a change needs \\d+ KiB`),
    );
  });

  it('an answer that is no pair of numbers is an error, not a pass', async () => {
    const remote = new FakeRemote({ answer: () => ({ stdout: 'stat: invalid option\n' }) });
    await expect(requireFreeSpace(remote, ['/etc/ssl/hivemq/k.jks'], 1)).rejects.toThrow(
      /cannot read the free space of \/etc\/ssl\/hivemq\/k.jks/,
    );
  });

  it('a path with quotes and $( ) stays one word: nothing in it runs', async () => {
    const pwned = join(work, 'pwned');
    const { stdout } = await exec('sh', ['-c', freeSpaceScript([`${work}/'$(touch ${pwned})'/x`])]);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    await expect(statfs(pwned)).rejects.toThrow(/ENOENT/);
  });
});
