import { posix } from 'node:path';
// What the rest of deploy-tls may do on a node. Nothing here knows what a certificate or
// config.xml is: that lives in hivemq/ and tasks/, which get a Remote passed in.

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface PutOptions {
  mode: number;
  owner?: string;
  group?: string;
}

export interface RemoteWrite extends PutOptions {
  path: string;
  data: Uint8Array | string;
}

export interface ExecOptions {
  stdin?: Uint8Array | string;
  /** The command is killed on the node after this long (default COMMAND_TIMEOUT_MS). */
  timeoutMs?: number;
}

/**
 * No command may hang a run: a stuck restart or a full disk would otherwise hold the node, and the
 * CA lock with it, for as long as the process lives.
 */
export const COMMAND_TIMEOUT_MS = 120_000;

export interface Remote {
  /** The inventory name of the node, for messages. */
  readonly node: string;
  /**
   * Runs a shell command (through sudo when the inventory says become). Never put a secret in it.
   * A command that outlives its timeout is killed on the node and rejects with a RemoteError.
   */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /** Like exec, but a non-zero exit throws a RemoteError naming the command and its stderr. */
  run(command: string, options?: ExecOptions): Promise<string>;
  /**
   * Writes files in one round trip, each through a temp file in its folder (fsync, owner/mode,
   * rename): every temp file is written and synced first, then all are renamed, so a failure before
   * the renames leaves every target untouched.
   */
  putAtomicAll(files: readonly RemoteWrite[]): Promise<void>;
  close(): Promise<void>;
  /** Commands executed so far: round trips, for the benchmark. */
  readonly roundTrips: number;
}

/**
 * Quotes one word for POSIX sh: the one way a value (an inventory path, a user name, a number)
 * enters a remote script. Every script here is fixed text plus words quoted by this function;
 * the text refers to what it made of them only through its own variables, always as "$var", so a
 * value is never parsed by a shell (POSIX XCU 2.2.2: inside single quotes every character is
 * literal; a single quote itself is closed, escaped and reopened).
 */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const octal = (mode: number) => mode.toString(8).padStart(4, '0');

/**
 * The shell script behind putAtomicAll: file contents arrive back to back on stdin (never on the
 * command line), `head -c` takes each one's exact length into a mktemp file (0600 from birth).
 * Few processes per call: on a node every one costs a fork, and a fleet is many nodes.
 * Temp files are held in variables t0, t1, …, and the cleanup trap names each as one quoted word:
 * a folder with a space in its name must never split into the path of some other file.
 */
export function atomicWriteScript(files: readonly (PutOptions & { path: string; length: number })[]): string {
  const q = shellQuote;
  const dirs = [...new Set(files.map((file) => posix.dirname(file.path)))];
  const temps = files.map((_, i) => `"$t${i}"`);
  const lines = [
    'set -e',
    files.map((_, i) => `t${i}=`).join(' '),
    `trap 'rm -f -- ${files.map((_, i) => `\${t${i}:+"$t${i}"}`).join(' ')}' EXIT`,
    `mkdir -p -- ${dirs.map(q).join(' ')}`,
  ];
  files.forEach((file, i) => {
    lines.push(
      `t${i}=$(mktemp -- ${q(`${posix.dirname(file.path)}/.deploy-tls.XXXXXX`)})`,
      `head -c ${q(String(file.length))} > "$t${i}"`,
    );
  });
  // A short read (the connection dropped mid-stream) must never be renamed into place.
  const sizes = files.map((file) => `${file.length} `).join('');
  lines.push(
    `[ "$(stat -c %s -- ${temps.join(' ')} | tr '\\n' ' ')" = ${q(sizes)} ] || { echo 'short write' >&2; exit 1; }`,
  );
  for (const [mode, indexes] of groupBy(files, (file) => octal(file.mode))) {
    lines.push(`chmod ${q(mode)} -- ${indexes.map((i) => temps[i]).join(' ')}`);
  }
  for (const [owner, indexes] of groupBy(files, ownerOf)) {
    if (owner) lines.push(`chown -- ${q(owner)} ${indexes.map((i) => temps[i]).join(' ')}`);
  }
  lines.push(`sync -- ${temps.join(' ')}`);
  lines.push(...files.map((file, i) => `mv -f -- "$t${i}" ${q(file.path)}`));
  lines.push('trap - EXIT', `sync -- ${dirs.map(q).join(' ')} 2>/dev/null || true`);
  return lines.join('\n');
}

const ownerOf = (file: PutOptions) =>
  file.owner ? `${file.owner}${file.group ? `:${file.group}` : ''}` : '';

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  items.forEach((item, i) => {
    groups.set(key(item), [...(groups.get(key(item)) ?? []), i]);
  });
  return groups;
}
