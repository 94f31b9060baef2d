// PID bookkeeping. The sandbox only ever signals a PID it recorded itself, and only after checking
// the process is still the one it started: PIDs are reused, and `down` must not hit a stranger.
import { readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

export function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True for a live process; a zombie counts as gone (this machine's init may reap late). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

export function mountNamespaceOf(pid: number | 'self'): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}

/** The PID recorded in `file`, if that process is alive and its command line contains `marker`. */
export function recordedPid(file: string, marker: string): number | undefined {
  const pid = readPid(file);
  if (pid === undefined || !isAlive(pid) || !cmdlineOf(pid).includes(marker)) return undefined;
  return pid;
}

export function residentKiB(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  { timeoutMs, intervalMs = 100 }: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await delay(intervalMs);
  }
}

/** SIGTERM, wait up to `timeoutMs`, then SIGKILL and wait for the process to be gone. */
export async function terminate(pid: number, timeoutMs = 30_000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  try {
    await waitFor(`process ${pid} to exit`, () => !isAlive(pid) || undefined, { timeoutMs });
  } catch {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await waitFor(`process ${pid} to exit after SIGKILL`, () => !isAlive(pid) || undefined, {
      timeoutMs: 10_000,
    });
  }
}
