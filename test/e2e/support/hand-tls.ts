// TLS set up on a sandbox node by hand, as an operator (or a later rollout step) would: keystores
// from `deploy-tls issue node`, config.xml written by our own editor, a restart over ssh, and the
// broker's log as the proof that the TLS listeners started (CE falls back to defaults on a bad
// config, so a running process proves nothing).
import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import type { NodeLayout } from '../../../scripts/sandbox/layout.js';
import { waitFor } from '../../../scripts/sandbox/processes.js';
import { sshOk } from './fleet.js';

export const configPath = (broker: NodeLayout) => path.join(broker.homeDir, 'conf', 'config.xml');
export const logPath = (broker: NodeLayout) => path.join(broker.homeDir, 'log', 'hivemq.log');
/** The JVM's stdout and stderr: what HiveMQ logs before its logback configuration is read lands here. */
export const stdoutLogPath = (broker: NodeLayout) => path.join(broker.homeDir, 'log', 'stdout.log');
const sizeOf = (file: string) => (existsSync(file) ? statSync(file).size : 0);
const logSize = (broker: NodeLayout) => sizeOf(logPath(broker));

/** Both logs' sizes now, to read what a start adds to either. */
export const logMarks = (broker: NodeLayout) => ({
  log: sizeOf(logPath(broker)),
  stdout: sizeOf(stdoutLogPath(broker)),
});

/** What both logs gained since `marks`. */
export const logsSince = (broker: NodeLayout, marks: { log: number; stdout: number }) =>
  [
    readFileSync(logPath(broker), 'utf8').slice(marks.log),
    existsSync(stdoutLogPath(broker)) ? readFileSync(stdoutLogPath(broker), 'utf8').slice(marks.stdout) : '',
  ].join('\n');

/** `deploy-tls issue node` into `out`; returns the issued certificate's serial (upper-case hex). */
export async function issueNode(
  ok: (args: string[]) => Promise<unknown>,
  caDir: string,
  broker: NodeLayout,
  out: string,
  args: string[] = [],
): Promise<string> {
  await ok([
    ...['issue', 'node', '--ca-dir', caDir, '--name', broker.name, '--out', out],
    ...['--san', `DNS:${broker.host}`, '--san', `IP:${broker.address}`, ...args],
  ]);
  return new X509Certificate(
    readFileSync(path.join(out, `${broker.name}.cert.pem`)),
  ).serialNumber.toUpperCase();
}

/** Copies a store into the node's /etc/ssl/hivemq the way a rotation does: temp file, then rename. */
export function installStore(broker: NodeLayout, from: string, name: string): void {
  const target = path.join(broker.sslDir, name);
  copyFileSync(from, `${target}.tmp`);
  renameSync(`${target}.tmp`, target);
}

/**
 * Restarts the broker over ssh and waits until this start's part of hivemq.log has every line in
 * `started` (e.g. "Started TCP Listener with TLS on address … and on port 8883.").
 */
export async function restartAndWaitForLog(broker: NodeLayout, started: string[], timeoutMs = 60_000) {
  const before = logSize(broker);
  await sshOk(broker, '/opt/hivemq/bin/hivemq-service restart', 90_000);
  return waitForLog(broker, before, started, timeoutMs);
}

/** Waits until hivemq.log, from byte `from` on, holds every line in `lines`; returns that part. */
export function waitForLog(broker: NodeLayout, from: number, lines: string[], timeoutMs = 60_000) {
  return waitFor(
    `${lines.join(' and ')} in ${logPath(broker)}`,
    () => {
      const text = readFileSync(logPath(broker), 'utf8').slice(from);
      return lines.every((line) => text.includes(line)) ? text : undefined;
    },
    { timeoutMs, intervalMs: 200 },
  );
}

export { logSize };
