// One run at a time per CA: two runs issuing at once would hand out the same
// index.txt state twice. The lock file names its holder so a person can act.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { CaError } from '../errors.js';

interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

export interface CaLock {
  release(): Promise<void>;
}

export async function acquireCaLock(path: string, command: string, now: Date): Promise<CaLock> {
  const holder: LockHolder = { pid: process.pid, host: hostname(), command, since: now.toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, `${JSON.stringify(holder)}\n`, { flag: 'wx', mode: 0o600 });
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const current = await readHolder(path);
      if (current && isStale(current)) {
        await rm(path, { force: true }); // its process is gone: the lock outlived a crash
        continue;
      }
      const who = current
        ? `process ${current.pid} on ${current.host} (${current.command}, since ${current.since})`
        : 'an unreadable lock file';
      throw new CaError(`the CA is locked by ${who}`, {
        hint: `wait for it to finish; if no such process runs, remove ${path}`,
      });
    }
  }
  throw new CaError(`cannot take the CA lock ${path}`, {
    hint: `remove ${path} if no deploy-tls run is active`,
  });
}

async function readHolder(path: string): Promise<LockHolder | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false; // cannot see another machine's processes
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
