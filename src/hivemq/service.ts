// Restarting HiveMQ. The exit status of the restart command proves little (DESIGN.md): the health
// gate that follows decides whether the broker serves again.
import { type Clock, elapsedMs } from '../clock.js';
import { CONTROL_CLASS } from '../control.js';
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

/**
 * What HiveMQ logs once it runs: "Started HiveMQ in {}ms" (CE HiveMQServer) or "Started
 * EmbeddedHiveMQ in {}ms" (EmbeddedHiveMQImpl, the sandbox's launcher).
 */
export const HIVEMQ_STARTED = /Started (?:Embedded)?HiveMQ in \d+ ?ms/;

/**
 * CE's ConfigFileReader when it cannot read config.xml, or a ${ENV:…} variable is not set: it
 * starts anyway with its defaults (plain MQTT on 0.0.0.0:1883, no TLS). A start with this line is a
 * failed start, whatever else the log says.
 */
export const CONFIG_FALLBACK = 'Using default config';

export type StartOutcome = 'started' | 'fell-back-to-defaults' | 'not-yet';

/** How a start went, from the log text it wrote (read from a mark taken before the restart). */
export function startOutcome(logSinceRestart: string): StartOutcome {
  if (logSinceRestart.includes(CONFIG_FALLBACK)) return 'fell-back-to-defaults';
  return HIVEMQ_STARTED.test(logSinceRestart) ? 'started' : 'not-yet';
}

/** The log's size in bytes now (0 when there is none): a mark to read a restart's lines from. */
export async function logMark(remote: Remote, log: string): Promise<number> {
  const result = await remote.exec(`stat -c %s ${shellQuote(log)} 2>/dev/null || echo 0`);
  return Number.parseInt(result.stdout.trim(), 10) || 0;
}

/**
 * The log from byte `mark` on, at most `limit` bytes. A log shorter than the mark was rotated:
 * then all of the new one.
 */
export async function logSince(remote: Remote, log: string, mark: number, limit = 262_144): Promise<string> {
  const q = shellQuote(log);
  const result = await remote.exec(
    `size=$(stat -c %s ${q} 2>/dev/null || echo 0); if [ "$size" -lt ${Math.max(0, Math.floor(mark))} ]; then from=1; else from=${Math.max(0, Math.floor(mark)) + 1}; fi; tail -c +"$from" ${q} 2>/dev/null | head -c ${Math.floor(limit)}`,
  );
  return result.stdout;
}

const CONTROL_CHARACTERS = new RegExp(`[${CONTROL_CLASS}]`, 'g');

/**
 * The last ERROR and WARN lines of hivemq.log (HiveMQ's logback pattern puts the level in each
 * line), for the error of a change the broker did not take: the cause is usually there ("Cannot
 * read keystore", "Keystore was tampered with"). Node content: control characters are dropped and
 * each line cut short before it reaches a terminal.
 */
export async function logProblems(remote: Remote, log: string, lines = 8): Promise<string[]> {
  const result = await remote.exec(
    `tail -n 400 -- ${shellQuote(log)} 2>/dev/null | grep -E 'ERROR|WARN' | tail -n ${Math.floor(lines)}`,
  );
  return result.stdout
    .split('\n')
    .map((line) => line.replace(CONTROL_CHARACTERS, '').slice(0, 300))
    .filter((line) => line.trim() !== '');
}

/** HiveMQ's readable listener names (CE's Listener.readableName()), as its start lines print them. */
const READABLE_LISTENER = {
  tcp: 'TCP Listener',
  websocket: 'Websocket Listener',
  'tls-tcp': 'TCP Listener with TLS',
  'tls-websocket': 'Websocket Listener with TLS',
} as const;

export interface StartedListener {
  kind: keyof typeof READABLE_LISTENER;
  bindAddress: string;
  port: number;
}

/** CE StartupListenerVerifier: "Started %s on address %s and on port %s." */
export function listenerStartedLine(listener: StartedListener): string {
  return `Started ${READABLE_LISTENER[listener.kind]} on address ${listener.bindAddress} and on port ${listener.port}.`;
}

/**
 * A readiness signal (smoke/readiness.ts) from the broker log: up once this start logged "Started
 * HiveMQ" and a start line for each of `listeners` (the restored config's), so a start on CE's
 * defaults (0.0.0.0:1883, whose own "Started HiveMQ" follows) does not pass. A start that logged the
 * fallback is an error at once. HiveMQ's run.sh path (HiveMQServer) sets up conf/logback.xml before
 * it reads config.xml, so the fallback line is in hivemq.log; the sandbox's embedded launcher reads
 * config.xml first and the line goes to stdout, where the listener lines still tell.
 */
export function startedSignal(
  remote: Remote,
  log: string,
  mark: number,
  listeners: readonly StartedListener[] = [],
) {
  return {
    name: `${log}: Started HiveMQ`,
    async check(): Promise<boolean> {
      const text = await logSince(remote, log, mark);
      const outcome = startOutcome(text);
      if (outcome === 'fell-back-to-defaults')
        throw new RemoteError(
          `HiveMQ could not read its config.xml and started with its defaults (${CONFIG_FALLBACK})`,
          {
            node: remote.node,
            hint: `read ${log}: an unset \${ENV:…} variable or an invalid config.xml; the broker serves plain MQTT only`,
          },
        );
      return (
        outcome === 'started' && listeners.every((listener) => text.includes(listenerStartedLine(listener)))
      );
    },
  };
}
