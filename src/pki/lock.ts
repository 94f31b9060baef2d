// One run at a time per CA: two runs issuing at once would hand out the same
// index.txt state twice. The lock file names its holder so a person can act.
//
// Every step that decides who holds the lock is one atomic file-system call, so processes started
// together agree: link(2) creates the lock only where none exists, and a stale lock (its process
// is gone) is taken over by whoever first creates the takeover file named after that lock's
// contents (open O_EXCL), who then renames its own lock over the stale one. Node has no flock(2)
// without a native addon, and link/rename/O_EXCL are atomic on every local POSIX file system.
import { createHash, randomBytes } from 'node:crypto';
import { link, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { CaError } from '../errors.js';

interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
  /** Makes every lock file's contents unique, so a takeover names exactly one stale lock. */
  token?: string;
}

export interface CaLock {
  release(): Promise<void>;
}

const ATTEMPTS = 3; // a lock released or taken over while we looked: look again, a few times

export async function acquireCaLock(path: string, command: string, now: Date): Promise<CaLock> {
  const token = randomBytes(8).toString('hex');
  const holder: LockHolder = { pid: process.pid, host: hostname(), command, since: now.toISOString(), token };
  const content = `${JSON.stringify(holder)}\n`;
  // Written whole aside first: a reader never sees a half-written lock.
  const mine = `${path}.${token}`;
  await writeFile(mine, content, { flag: 'wx', mode: 0o600 });
  try {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      if (await createLock(mine, path, content)) return ownLock(path, content);
      const current = await readFile(path, 'utf8').catch(() => undefined);
      if (current === undefined) continue; // released while we looked
      const stale = parseHolder(current);
      if (!stale || !isStale(stale)) throw lockedBy(stale, path);
      if (await takeOver(path, current, mine)) return ownLock(path, content);
    }
  } finally {
    await rm(mine, { force: true });
  }
  throw new CaError(`cannot take the CA lock ${path}`, {
    hint: `other runs keep taking it; retry, or remove ${path} if no deploy-tls run is active`,
  });
}

/** link(2) fails with EEXIST when the lock exists; where hard links are not supported, O_EXCL does it. */
async function createLock(mine: string, path: string, content: string): Promise<boolean> {
  try {
    await link(mine, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
  }
  try {
    await writeFile(path, content, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Replaces the stale lock whose contents are `stale` with ours, unless another process does so
 * first. Only the creator of `<lock>.takeover-<hash of stale>` may replace it, and only while the
 * lock still holds those contents; so two processes that both saw it stale cannot both take it.
 */
async function takeOver(path: string, stale: string, mine: string): Promise<boolean> {
  const marker = `${path}.takeover-${createHash('sha256').update(stale).digest('hex').slice(0, 16)}`;
  try {
    await writeFile(marker, await readFile(mine), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const other = parseHolder(await readFile(marker, 'utf8').catch(() => ''));
    if (other && isStale(other)) {
      throw new CaError(`a run that was taking over the stale CA lock ${path} stopped half way`, {
        hint: `if no deploy-tls run is active, remove ${path} and ${marker}`,
      });
    }
    throw lockedBy(other, path, ' (taking over a stale lock)');
  }
  try {
    // The lock may have changed since we read it (taken over, and the takeover file removed,
    // before we created ours): then it is not ours to replace.
    if ((await readFile(path, 'utf8').catch(() => undefined)) !== stale) return false;
    await rename(mine, path);
    return true;
  } finally {
    await rm(marker, { force: true });
  }
}

function ownLock(path: string, content: string): CaLock {
  return {
    async release() {
      // Never remove a lock that is no longer ours (someone judged us gone and took it over).
      if ((await readFile(path, 'utf8').catch(() => undefined)) === content) await rm(path, { force: true });
    },
  };
}

function lockedBy(holder: LockHolder | undefined, path: string, note = ''): CaError {
  const who = holder
    ? `process ${holder.pid} on ${holder.host} (${holder.command}, since ${holder.since})${note}`
    : 'an unreadable lock file';
  return new CaError(`the CA is locked by ${who}`, {
    hint: `wait for it to finish; if no such process runs, remove ${path}`,
  });
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid !== 'number' || typeof value.host !== 'string') return undefined;
    return {
      pid: value.pid,
      host: value.host,
      command: String(value.command ?? '?'),
      since: String(value.since ?? '?'),
    };
  } catch {
    return undefined;
  }
}

function isStale(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false; // cannot see another machine's processes
  if (!Number.isSafeInteger(holder.pid) || holder.pid <= 0) return false; // kill(0 or -1) signals groups
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
