// Restarting HiveMQ. The exit status of the restart command proves little (DESIGN.md): the health
// gate that follows decides whether the broker serves again.
import { RemoteError } from '../errors.js';
import { type Remote, shellQuote } from '../remote/remote.js';

export async function restartBroker(remote: Remote, command: string): Promise<void> {
  const result = await remote.exec(command);
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

/** The last lines of the broker log, for an error message after a failed start. */
export async function logTail(remote: Remote, log: string, lines = 20): Promise<string> {
  const result = await remote.exec(`tail -n ${lines} ${shellQuote(log)} 2>/dev/null`);
  return result.stdout;
}
