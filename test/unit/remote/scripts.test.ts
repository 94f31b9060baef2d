// Every script deploy-tls sends to a node, run by the real sh (dash on Debian, what `sudo -n sh -c`
// runs) and bash (root's login shell, what sshd runs) against hostile paths in a temp folder:
// the paths are taken literally and no command hidden in them ever runs.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupScript, restoreScript } from '../../../src/hivemq/install.js';
import { reloadCountCommand, SSL_RELOADED } from '../../../src/hivemq/service.js';
import { readFilesProbe } from '../../../src/remote/probes.js';
import { atomicWriteScript } from '../../../src/remote/remote.js';

const SHELLS = ['sh', 'bash'] as const;

/** Runs in `root`, where a hidden `touch <markerName>` would create the marker. */
function runScript(shell: string, script: string, stdin: Buffer | string = '') {
  const result = spawnSync(shell, ['-c', script], { input: stdin, cwd: root });
  return { code: result.status, stdout: result.stdout.toString(), stderr: result.stderr.toString() };
}

let root: string;
let markerName: string;

/** A file name with shell metacharacters, each of which would create the marker if interpreted. */
function hostile(): string {
  const marker = markerName;
  return [
    `$(touch ${marker})`,
    `\`touch ${marker}\``,
    `; touch ${marker};`,
    `| touch ${marker} |`,
    `' ; touch ${marker} ; '`,
    `" ; touch ${marker} ; "`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a parameter expansion sh must not perform
    '$HOME ${HOME} * ? [a] ~ & > <',
  ].join(' ');
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'deploy-tls-scripts-'));
  markerName = `PWNED-${randomBytes(4).toString('hex')}`;
});
afterEach(() => {
  expect(existsSync(path.join(root, markerName)), 'a command hidden in a path ran').toBe(false);
  spawnSync('rm', ['-rf', root]);
});

describe.each(SHELLS)('scripts under %s', (shell) => {
  it('atomicWriteScript writes to hostile paths exactly, with mode, and runs nothing', () => {
    const dir = path.join(root, hostile());
    const files = [
      { path: path.join(dir, 'store.jks'), data: Buffer.from([0, 1, 2, 0xff]), mode: 0o640 },
      {
        path: path.join(root, `conf ${hostile()}`, 'config.xml'),
        data: Buffer.from('<hivemq/>'),
        mode: 0o600,
      },
    ];
    const script = atomicWriteScript(files.map((f) => ({ ...f, length: f.data.length })));
    const result = runScript(shell, script, Buffer.concat(files.map((f) => f.data)));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const file of files) {
      expect(readFileSync(file.path)).toEqual(file.data);
      expect(statSync(file.path).mode & 0o777).toBe(file.mode);
      expect(readdirSync(path.dirname(file.path))).toEqual([path.basename(file.path)]);
    }
  });

  it('a failed write removes its temp files and nothing else, even in a folder with spaces', () => {
    // The trap used to split its list of temp files on spaces: "…/my dir/.deploy-tls.x" removed "…/my".
    const bystander = path.join(root, 'my');
    writeFileSync(bystander, 'not ours');
    const target = path.join(root, 'my dir', 'store.jks');
    const script = atomicWriteScript([{ path: target, length: 10, mode: 0o640 }]);
    const result = runScript(shell, script, 'short'); // 5 of 10 bytes: the connection "dropped"
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('short write');
    expect(readFileSync(bystander, 'utf8')).toBe('not ours');
    expect(readdirSync(path.join(root, 'my dir'))).toEqual([]);
  });

  it('readFilesProbe reads hostile paths and tells missing from unreadable', () => {
    const dir = path.join(root, hostile());
    mkdirSync(dir);
    const present = path.join(dir, 'config.xml');
    writeFileSync(present, '<hivemq/>\n', { mode: 0o640 });
    const missing = path.join(dir, 'hivemq-keystore.jks');
    const folder = path.join(root, 'a-folder');
    mkdirSync(folder);
    const paths = [present, missing, folder];
    const probe = readFilesProbe(paths);
    const result = runScript(shell, probe.command);
    expect(result.code).toBe(0);
    const files = probe.parse(result.stdout);
    expect(files.get(present)).toMatchObject({ state: 'present', exists: true, mode: 0o640 });
    expect(Buffer.from(files.get(present)?.data ?? []).toString()).toBe('<hivemq/>\n');
    expect(files.get(missing)).toMatchObject({ state: 'missing', exists: false });
    expect(files.get(folder)).toMatchObject({
      state: 'unreadable',
      unreadable: { reason: 'not a regular file' },
    });
  });

  it('readFilesProbe says "Permission denied" for a file the user cannot read, and a folder it cannot search', () => {
    const file = path.join(root, 'secret.xml');
    writeFileSync(file, 'x', { mode: 0o600 });
    const hidden = path.join(root, 'private');
    mkdirSync(hidden, { mode: 0o700 });
    const inside = path.join(hidden, 'config.xml');
    writeFileSync(inside, 'x');
    const probe = readFilesProbe([file, inside, path.join(root, 'nothing')]);
    // As `nobody` (root reads everything): what a non-root SSH user without sudo meets.
    spawnSync('chmod', ['755', root]);
    const result = spawnSync('su', ['nobody', '-s', `/bin/${shell}`, '-c', probe.command], { cwd: root });
    expect(result.status).toBe(0);
    const files = probe.parse(result.stdout.toString());
    for (const unreadable of [file, inside])
      expect(files.get(unreadable)).toEqual({
        path: unreadable,
        state: 'unreadable',
        exists: false,
        unreadable: { user: 'nobody', reason: 'Permission denied' },
      });
    expect(files.get(path.join(root, 'nothing'))?.state).toBe('missing');
  });

  it('backupScript copies into a stamped folder under a hostile root and keeps the newest N', () => {
    const backupRoot = path.join(root, hostile(), 'backup');
    const source = path.join(root, 'store.jks');
    writeFileSync(source, 'keystore');
    mkdirSync(backupRoot, { recursive: true });
    // Six older runs, one from a clock that ran ahead (a later stamp than now), and an operator's folder.
    const older = [1, 2, 3, 4, 5, 6].map((day) => `2026010${day}T000000Z.abcdef`);
    const ahead = '20991231T235959Z.zzzzzz';
    for (const name of [...older, ahead, 'before-upgrade']) mkdirSync(path.join(backupRoot, name));
    const script = backupScript(backupRoot, [source, path.join(root, 'absent')], '20270101T000000Z', 3);
    const result = runScript(shell, script);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const dir = result.stdout.replace(/\n$/, '');
    expect(path.dirname(dir)).toBe(backupRoot);
    expect(path.basename(dir)).toMatch(/^20270101T000000Z\.\w{6}$/);
    expect(readFileSync(path.join(dir, 'store.jks'), 'utf8')).toBe('keystore');
    expect(readdirSync(dir)).toEqual(['store.jks']);
    // Kept: the one just made, and the two newest others; the operator's folder is not ours to prune.
    expect(readdirSync(backupRoot).sort()).toEqual(
      ['20260106T000000Z.abcdef', path.basename(dir), ahead, 'before-upgrade'].sort(),
    );
  });

  it('backupScript with keep 1 keeps only the backup just made, even beside a later stamp', () => {
    const backupRoot = path.join(root, 'backup');
    mkdirSync(path.join(backupRoot, '20991231T235959Z.zzzzzz'), { recursive: true });
    const result = runScript(shell, backupScript(backupRoot, [], '20270101T000000Z', 1));
    expect(result.code).toBe(0);
    expect(readdirSync(backupRoot)).toEqual([path.basename(result.stdout.trim())]);
  });

  it('restoreScript puts files back and removes what did not exist, at hostile paths', () => {
    const dir = path.join(root, hostile());
    const backup = path.join(dir, 'backup', 'stamp');
    mkdirSync(backup, { recursive: true });
    const restored = path.join(dir, 'config.xml');
    const created = path.join(dir, 'hivemq-truststore.jks');
    writeFileSync(path.join(backup, 'config.xml'), 'old');
    writeFileSync(restored, 'new');
    writeFileSync(created, 'new');
    const result = runScript(shell, restoreScript({ dir: backup, paths: [restored, created] }));
    expect(result.code).toBe(0);
    expect(readFileSync(restored, 'utf8')).toBe('old');
    expect(existsSync(created)).toBe(false);
  });

  it('the reload count reads a log at a hostile path', () => {
    const log = path.join(root, `hivemq ${hostile()}.log`);
    writeFileSync(log, `a\n${SSL_RELOADED}\nb\n${SSL_RELOADED}\n`);
    expect(runScript(shell, reloadCountCommand(log)).stdout.trim()).toBe('2');
  });
});
