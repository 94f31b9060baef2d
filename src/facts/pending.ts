// The pending-change marker: a small file deploy-tls installs on a node together with the new
// files (in the same atomic write) and removes once the broker serves them and the gate passed. A
// marker that is still there means a run stopped between installing and confirming (Ctrl-C,
// SIGKILL, a dropped SSH session, a hung restart), so the next run finishes the change instead of
// trusting files that the broker may never have loaded. Read from a node, so parsed as hostile.

export interface PendingChange {
  /** When the interrupted run installed the files. */
  started: string;
  /** The serial the node was to serve. */
  serial: string;
  /** How the broker was to pick the files up: a restart, or its own keystore reload. */
  action: 'restart' | 'hot-reload';
  /** The backup made before the change: the last files known to work. */
  backup?: string;
  /** What the node served before the change, to prove after a rollback. */
  servedBefore?: { serial: string; port: number };
}

/** The marker file's name in the node's tls.dir; 0600, root's. */
export const PENDING_FILE = '.deploy-tls-pending.json';
const MAX_BYTES = 4096;

export function encodePending(change: PendingChange): string {
  return `${JSON.stringify(change)}\n`;
}

/**
 * The marker as data. Anything unexpected in it (it was read from a node) is dropped, and a backup
 * path must be one of our stamped folders under the node's backup root; a marker that cannot be read
 * at all still says a change is pending.
 */
export function readPending(bytes: Uint8Array, backupRoot: string): PendingChange {
  const unknown: PendingChange = { started: 'unknown', serial: 'unknown', action: 'restart' };
  if (bytes.length > MAX_BYTES) return unknown;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return unknown;
  }
  if (typeof value !== 'object' || value === null) return unknown;
  const record = value as Record<string, unknown>;
  const text = (v: unknown, pattern: RegExp) => (typeof v === 'string' && pattern.test(v) ? v : undefined);
  const before = record.servedBefore as Record<string, unknown> | undefined;
  const beforeSerial = text(before?.serial, /^[0-9A-F]{1,64}$/);
  const beforePort = before?.port;
  return {
    started: text(record.started, /^\d{4}-\d\d-\d\dT[\d:.]+Z$/) ?? 'unknown',
    serial: text(record.serial, /^[0-9A-F]{1,64}$/) ?? 'unknown',
    // Anything but a known hot reload is finished with a restart: that loads whatever is on disk.
    action: record.action === 'hot-reload' ? 'hot-reload' : 'restart',
    backup: stampedBackup(record.backup, backupRoot),
    servedBefore:
      beforeSerial &&
      Number.isInteger(beforePort) &&
      (beforePort as number) > 0 &&
      (beforePort as number) < 65536
        ? { serial: beforeSerial, port: beforePort as number }
        : undefined,
  };
}

/** <backupRoot>/<8 digits>T<6 digits>Z.<6 mktemp characters>, as hivemq/install.ts names them. */
function stampedBackup(value: unknown, backupRoot: string): string | undefined {
  if (typeof value !== 'string' || !value.startsWith(`${backupRoot}/`)) return undefined;
  return /^\d{8}T\d{6}Z\.[A-Za-z0-9]{6}$/.test(value.slice(backupRoot.length + 1)) ? value : undefined;
}
