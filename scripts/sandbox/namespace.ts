// Each node's mount namespace is kept alive by a "holder" process: `unshare` makes the namespace,
// bind-mounts the node's folders over /etc/ssl/hivemq and /opt/hivemq inside it, and then sleeps.
// sshd and the broker are started in it with `nsenter --target <holder>`; ssh sessions inherit it.
// When the holder and everything started in the namespace are gone, the kernel drops the mounts.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { MOUNT_POINTS, type NodeLayout } from './layout.js';
import { isAlive, recordedPid, terminate, waitFor } from './processes.js';

/** The holder's argv[0], so `ps` shows what it is and `down` can recognise it. */
const holderName = (node: NodeLayout) => `deploy-tls-sandbox-ns-${node.name}`;

export function holderPid(node: NodeLayout): number | undefined {
  return recordedPid(node.holderPidFile, holderName(node));
}

function mountsReady(pid: number, extra: readonly string[]): boolean {
  try {
    const mountinfo = readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
    return [...Object.values(MOUNT_POINTS), ...extra].every((point) => mountinfo.includes(` ${point} `));
  } catch {
    return false;
  }
}

/** A host file or folder to show at `target` inside the node only (e.g. its own /etc/passwd). */
export interface Bind {
  source: string;
  target: string;
}

export async function startHolder(node: NodeLayout, binds: readonly Bind[] = []): Promise<number> {
  const running = holderPid(node);
  if (running !== undefined) return running;
  // The mount points must exist on the host for the bind mounts; they stay empty there.
  for (const point of Object.values(MOUNT_POINTS)) mkdirSync(point, { recursive: true });
  // --propagation private: the binds stay inside this namespace and never show on the host.
  // The control host's own root ~/.bashrc (on these machines `pyenv init`, ~80 ms for every
  // command run over ssh) is no part of a node: inside the namespace it is an empty file, as on a
  // fresh server. A file bind, not /root itself, since the checkout may live under /root.
  const emptyRc = `${node.dir}/empty-bashrc`;
  writeFileSync(emptyRc, '');
  const script = [
    'set -e',
    `mount --bind "$1" ${MOUNT_POINTS.ssl}`,
    `mount --bind "$2" ${MOUNT_POINTS.home}`,
    `if [ -f /root/.bashrc ]; then mount --bind "$3" /root/.bashrc; fi`,
    'shift 3',
    'while [ $# -gt 1 ]; do mount --bind "$1" "$2"; shift 2; done',
    `exec -a ${holderName(node)} sleep infinity`,
  ].join('\n');
  const logFd = openSync(node.holderLog, 'a');
  try {
    const child = spawn(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        '--',
        'bash',
        '-c',
        script,
        'holder',
        node.sslDir,
        node.homeDir,
        emptyRc,
        ...binds.flatMap((bind) => [bind.source, bind.target]),
      ],
      { detached: true, stdio: ['ignore', logFd, logFd] },
    );
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`cannot start the mount namespace for ${node.name}`);
    // unshare execs bash, bash execs sleep: the child's PID is the holder for its whole life.
    writeFileSync(node.holderPidFile, `${pid}\n`);
    await waitFor(
      `${node.name}'s bind mounts`,
      () => {
        if (!isAlive(pid)) throw new Error(`${node.name}'s namespace holder exited: see ${node.holderLog}`);
        return (
          mountsReady(
            pid,
            binds.map((bind) => bind.target),
          ) || undefined
        );
      },
      { timeoutMs: 10_000 },
    );
    return pid;
  } finally {
    closeSync(logFd);
  }
}

export async function stopHolder(node: NodeLayout): Promise<void> {
  const pid = holderPid(node);
  if (pid !== undefined) await terminate(pid, 5_000);
}

/** argv prefix that runs a command inside the node's mount namespace. */
export function inNamespace(holder: number): string[] {
  return ['nsenter', '--mount', `--target=${holder}`, '--'];
}
