// Files on a node: back up what is there, install new files atomically, restore a backup.
// Each is one shell script over the Remote, so a node sees a few round trips per rollout.
import { RemoteError } from '../errors.js';
import { type Remote, shellQuote } from '../remote/remote.js';

export interface NodeFile {
  path: string;
  data: Uint8Array | string;
  mode: number;
  owner?: string;
  group?: string;
}

export interface Backup {
  dir: string;
  /** The files the backup covers; those that did not exist are removed on restore. */
  paths: string[];
}

/** UTC stamp for backup folder names: 20261127T051600Z, sortable and safe in a path. */
export function backupStamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** How many backup folders a node keeps under <tls.dir>/backup when the inventory does not say. */
export const DEFAULT_BACKUPS_KEPT = 5;

/**
 * Only folders this module named are ever pruned: <8 digits>T<6 digits>Z.<mktemp suffix>. An
 * operator's own folder next to them (say backup/before-upgrade) never matches.
 */
const STAMPED_FOLDER = '[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z.*';

/**
 * Copies the files that exist (cp -p keeps mode and owner) into backupRoot/<stamp>.<random>/:
 * sortable by time, and unique when two changes happen within one second (a rollover's phases).
 * Then keeps the newest `keep` stamped folders, the one just made always among them (even when a
 * node's clock once ran ahead and an older run left a later stamp).
 */
export async function backupFiles(
  remote: Remote,
  backupRoot: string,
  paths: readonly string[],
  now: Date,
  keep = DEFAULT_BACKUPS_KEPT,
): Promise<Backup> {
  const script = backupScript(backupRoot, paths, backupStamp(now), keep);
  const dir = (await remote.run(script)).replace(/\n$/, '');
  if (!dir.startsWith(`${backupRoot}/`) || dir.includes('\n'))
    throw new RemoteError(`the backup script reported an unexpected folder "${dir}"`, {
      node: remote.node,
      hint: `look into ${backupRoot} on the node`,
    });
  return { dir, paths: [...paths] };
}

/**
 * The script behind backupFiles. Values enter only as words quoted by shellQuote; the glob that
 * finds old folders is this module's fixed pattern after the quoted root, so characters such as
 * `*` in the root stay literal. Globs expand sorted (POSIX XCU 2.13.3), and LC_ALL=C makes that
 * byte order, which for these stamps is time order.
 */
export function backupScript(
  backupRoot: string,
  paths: readonly string[],
  stamp: string,
  keep: number,
): string {
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`keep ${keep} backups: at least 1`);
  const q = shellQuote;
  const copies = paths.map((path) => `if [ -e ${q(path)} ]; then cp -p -- ${q(path)} "$dir"/; fi`);
  return [
    'set -e',
    'LC_ALL=C; export LC_ALL',
    `mkdir -p -- ${q(backupRoot)}`,
    `dir=$(mktemp -d -- ${q(`${backupRoot}/${stamp}.XXXXXX`)})`, // 0700, like a private folder
    ...copies,
    `set -- ${q(backupRoot)}/${STAMPED_FOLDER}`,
    'n=$#',
    'for old do',
    `  [ "$n" -gt ${q(String(keep))} ] || break`,
    '  if [ "$old" != "$dir" ] && [ -d "$old" ]; then rm -rf -- "$old"; n=$((n - 1)); fi',
    'done',
    `printf '%s\\n' "$dir"`,
  ].join('\n');
}

/** All files in one round trip; none is replaced unless every one was written. */
export async function installFiles(remote: Remote, files: readonly NodeFile[]): Promise<void> {
  await remote.putAtomicAll(files);
}

/**
 * Puts every backed-up file back (copy then rename, so readers never see half a file) and checks
 * each one afterwards: a restore that failed for any file (a full disk, a missing backup) is an
 * error naming every such file, never a rollback reported as done.
 */
export async function restoreBackup(remote: Remote, backup: Backup): Promise<void> {
  const result = await remote.exec(restoreScript(backup));
  if (result.code !== 0) {
    throw new RemoteError(
      `could not restore ${backup.dir}: ${result.stderr.trim() || `exit ${result.code}`}`,
      {
        node: remote.node,
        hint: `copy the files in ${backup.dir} back by hand and restart HiveMQ`,
      },
    );
  }
}

/**
 * Each file on its own (no `set -e`: one failure must not hide the others), then compared with the
 * saved copy, or checked gone when the backup says it did not exist. Prints what failed.
 */
export function restoreScript(backup: Backup): string {
  const q = shellQuote;
  const steps = backup.paths.flatMap((path) => {
    const saved = q(`${backup.dir}/${path.split('/').pop()}`);
    const temp = q(`${path}.deploy-tls-restore`);
    const target = q(path);
    return [
      `if [ -e ${saved} ]; then`,
      `  { cp -p -- ${saved} ${temp} && mv -f -- ${temp} ${target} && cmp -s -- ${saved} ${target}; } || { rm -f -- ${temp}; printf '%s not restored\\n' ${target} >&2; failed=1; }`,
      'else',
      `  rm -f -- ${target}; [ ! -e ${target} ] || { printf '%s not removed\\n' ${target} >&2; failed=1; }`,
      'fi',
    ];
  });
  return [
    'failed=0',
    `[ -d ${q(backup.dir)} ] || { printf '%s is not there\\n' ${q(backup.dir)} >&2; exit 1; }`,
    ...steps,
    'exit "$failed"',
  ].join('\n');
}

/** The change is confirmed (or undone): the pending-change marker goes. */
export async function clearPending(remote: Remote, path: string): Promise<void> {
  await remote.run(`rm -f -- ${shellQuote(path)}`);
}

/**
 * The free space a change needs on each filesystem it writes to: every file lands as a temp file
 * beside the one it replaces (both exist until the rename) and a copy of the old one goes to the
 * backup folder. Stores are kilobytes; 1 MiB beyond three times config.xml covers them with room,
 * so that a full disk stops the change before anything is written or issued.
 */
export function spaceNeeded(configBytes: number): number {
  return 1024 * 1024 + 3 * configBytes;
}

/**
 * One line per path, "<free blocks> <block size>" of its filesystem (the nearest folder that
 * exists, as a backup folder may not yet): `stat -f` (GNU coreutils and BusyBox) with %a, the
 * blocks an unprivileged process may still use, so the broker's user keeps room as well.
 */
export function freeSpaceScript(paths: readonly string[]): string {
  return [
    'set -e',
    `set -- ${paths.map(shellQuote).join(' ')}`,
    'for p do',
    '  while [ ! -e "$p" ]; do p=$(dirname -- "$p"); done',
    `  stat -f -c '%a %S' -- "$p"`,
    'done',
  ].join('\n');
}

/** Refuses, naming the path and the figures, when a filesystem the change writes to is too full. */
export async function requireFreeSpace(
  remote: Remote,
  paths: readonly string[],
  bytes: number,
): Promise<void> {
  const lines = (await remote.run(freeSpaceScript(paths))).trim().split('\n');
  paths.forEach((path, index) => {
    const [blocks, size] = (lines[index] ?? '').trim().split(/\s+/).map(Number);
    if (!Number.isSafeInteger(blocks) || !Number.isSafeInteger(size))
      throw new RemoteError(`cannot read the free space of ${path}: "${lines[index] ?? ''}"`, {
        node: remote.node,
        hint: 'the node needs `stat -f` (GNU coreutils or BusyBox)',
      });
    const free = (blocks as number) * (size as number);
    if (free < bytes)
      throw new RemoteError(
        `only ${Math.floor(free / 1024)} KiB free where ${path} is written; a change needs ${Math.ceil(bytes / 1024)} KiB`,
        {
          node: remote.node,
          hint: 'nothing was changed and no certificate issued; free space on that filesystem (old backups, broker logs) and run again',
        },
      );
  });
}
