// Restarting HiveMQ. The exit status of the restart command proves little (DESIGN.md): the health
// gate that follows decides whether the broker serves again.
import { type Clock, elapsedMs } from '../clock.js';
import { RemoteError } from '../errors.js';
import { type Remote, shellQuote } from '../remote/remote.js';

/**
 * Runs the inventory's hivemq.restart as written: the one inventory value that is a command by
 * design (the operator's own way to restart the broker). The loader refuses control characters in
 * it, so it is one line; everything else deploy-tls runs on a node is built from quoted words.
 */
export async function restartBroker(remote: Remote, command: string, timeoutMs: number): Promise<void> {
  const result = await remote.exec(command, { timeoutMs });
  if (result.code !== 0) {
    throw new RemoteError(
      `the restart command \`${command}\` failed (exit ${result.code}): ${result.stderr.trim()}`,
      {
        node: remote.node,
        hint: 'check hivemq.restart in the inventory and the broker log (hivemq.log)',
      },
    );
  }
}

/** HiveMQ's log line when its 10-second check swapped in changed keystore or truststore files. */
export const SSL_RELOADED = 'Successfully updated changed SSL Context';

export function reloadCountCommand(log: string): string {
  return `grep -c -e ${shellQuote(SSL_RELOADED)} -- ${shellQuote(log)} 2>/dev/null || true`;
}

/** How many reloads the broker log records so far (0 when there is no log). */
export async function reloadCount(remote: Remote, log: string): Promise<number> {
  const result = await remote.exec(reloadCountCommand(log));
  return Number.parseInt(result.stdout.trim() || '0', 10);
}

/** Waits for a reload logged after `before` reloads; false when none comes in time. */
export async function waitForReload(
  remote: Remote,
  log: string,
  before: number,
  timeoutMs: number,
  clock: Clock,
): Promise<boolean> {
  const started = clock.now();
  while (elapsedMs(clock, started) < timeoutMs) {
    const count = await reloadCount(remote, log);
    if (count > before || count < before) return true; // fewer: the log was rotated, and a new one began
    await clock.sleep(1_000);
  }
  return false;
}
