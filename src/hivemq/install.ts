// Files on a node: back up what is there, install new files atomically, restore a backup.
// Each is one shell script over the Remote, so a node sees a few round trips per rollout.
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

/**
 * Copies the files that exist (cp -p keeps mode and owner) into backupRoot/<stamp>.<random>/:
 * sortable by time, and unique when two changes happen within one second (a rollover's phases).
 */
export async function backupFiles(
  remote: Remote,
  backupRoot: string,
  paths: readonly string[],
  now: Date,
): Promise<Backup> {
  const copies = paths.map(
    (path) => `if [ -e ${shellQuote(path)} ]; then cp -p ${shellQuote(path)} "$dir"/; fi`,
  );
  const script = [
    'set -e',
    `mkdir -p ${shellQuote(backupRoot)}`,
    `dir=$(mktemp -d ${shellQuote(`${backupRoot}/${backupStamp(now)}.XXXXXX`)})`, // 0700, like a private folder
    ...copies,
    'echo "$dir"',
  ].join('\n');
  const dir = (await remote.run(script)).trim();
  return { dir, paths: [...paths] };
}

/** All files in one round trip; none is replaced unless every one was written. */
export async function installFiles(remote: Remote, files: readonly NodeFile[]): Promise<void> {
  await remote.putAtomicAll(files);
}

/** Puts every backed-up file back (copy then rename, so readers never see half a file). */
export async function restoreBackup(remote: Remote, backup: Backup): Promise<void> {
  const steps = backup.paths.map((path) => {
    const saved = shellQuote(`${backup.dir}/${path.split('/').pop()}`);
    const target = shellQuote(path);
    const temp = shellQuote(`${path}.deploy-tls-restore`);
    return `if [ -e ${saved} ]; then cp -p ${saved} ${temp} && mv -f ${temp} ${target}; else rm -f ${target}; fi`;
  });
  await remote.run(['set -e', ...steps].join('\n'));
}
