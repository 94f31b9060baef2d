// One node's change, carried out: back up, install the files with a pending-change marker,
// restart or wait for HiveMQ's reload, gate, and remove the marker. On any failure: restore the
// last files known to work, restart only if this change restarted the broker, and prove the node
// serves what it served before. A run that dies midway leaves the marker, and the next run
// finishes the change (plan.ts). It receives bytes and watches the node through a Gate: no CA, no
// inventory, so it is tested with an in-memory Remote and a fake Gate.
import type { Clock } from '../clock.js';
import { DeployTlsError } from '../errors.js';
import { encodePending, type PendingChange } from '../facts/pending.js';
import type { Fault } from '../faults.js';
import { backupFiles, clearPending, installFiles, type NodeFile, restoreBackup } from '../hivemq/install.js';
import { logProblems, reloadCount, restartBroker, waitForReload } from '../hivemq/service.js';
import type { Remote } from '../remote/remote.js';
import type { Gate, GateResult } from '../smoke/gate.js';

export interface NodeChange {
  /** Written all or none, together with the pending-change marker. Empty: finish a pending change. */
  files: NodeFile[];
  /** The serial the node must serve afterwards. */
  serial: string;
  /** The keystore changes: HiveMQ's reload then shows as the new serial in a handshake. */
  newCertificate: boolean;
  /** restart: config.xml changed (read once at start), or files are not in effect; hot-reload: stores only. */
  action: 'restart' | 'hot-reload';
  /** What the node served before, to prove after a rollback; undefined: it had no TLS listener. */
  servedBefore?: { serial: string; port: number };
  /** Finishing an earlier run's change: its marker names the backup of the last working files. */
  pending?: PendingChange;
}

/** The node the change happens on, and how to reach and watch it. */
export interface ChangeSite {
  remote: Remote;
  gate: Gate;
  restartCommand: string;
  /** The restart command is killed after this long, and the change rolled back. */
  restartTimeoutMs: number;
  /** The broker log, where HiveMQ records a keystore/truststore reload. */
  brokerLog: string;
  backupRoot: string;
  /** Every file the change may touch: backed up before, restored on failure. */
  backupPaths: string[];
  /** How many backup folders to keep on the node (older ones are pruned). */
  backupsKept: number;
  /** The pending-change marker's path. */
  pendingPath: string;
  /** How long the node may take to serve its new certificate. */
  healthTimeoutMs: number;
  /** How long to wait for HiveMQ's 10-second keystore re-hash before a restart loads it. */
  reloadTimeoutMs: number;
  clock: Clock;
  fault?: Fault;
}

export type ChangeResult =
  | { status: 'deployed'; gate: GateResult; restarted: boolean }
  | { status: 'rolled-back'; reason: string; backup: string; cause: unknown };

export async function applyChange(
  change: NodeChange,
  site: ChangeSite,
  update: (text: string) => void,
): Promise<ChangeResult> {
  const { remote } = site;
  update('backing up');
  const backup = await backupFiles(
    remote,
    site.backupRoot,
    site.backupPaths,
    site.clock.now(),
    site.backupsKept,
  );
  // What a failure goes back to: when finishing an interrupted change, the files from before it
  // (the fresh backup holds that change's own, possibly broken, files).
  const restoreFrom = change.pending?.backup ?? backup.dir;
  const servedBefore = change.pending ? change.pending.servedBefore : change.servedBefore;
  const reloadsBefore = change.action === 'hot-reload' ? await reloadCount(remote, site.brokerLog) : 0;
  let restarted = false;
  let installed = false;
  try {
    if (change.files.length > 0) {
      update(`writing ${change.files.map((f) => f.path.split('/').pop()).join(', ')}`);
      const marker: PendingChange = {
        started: site.clock.now().toISOString(),
        serial: change.serial,
        action: change.action,
        backup: restoreFrom,
        servedBefore,
      };
      await installFiles(remote, [
        ...change.files,
        { path: site.pendingPath, data: encodePending(marker), mode: 0o600 },
      ]);
      installed = true;
      await site.fault?.('installed');
    }
    if (change.action === 'restart') {
      update('restarting HiveMQ');
      restarted = true;
      await restartBroker(remote, site.restartCommand, site.restartTimeoutMs);
      await site.fault?.('restarted');
    } else if (!(await reloadObserved(change, site, reloadsBefore, update))) {
      // HiveMQ re-hashes keystores every 10 s; when the new serial does not show, a restart loads it.
      update('reload not observed: restarting HiveMQ');
      restarted = true;
      await restartBroker(remote, site.restartCommand, site.restartTimeoutMs);
    }
    update(`waiting for serial ${change.serial}`);
    const gate = await site.gate.check(change.serial, site.healthTimeoutMs);
    await clearPending(remote, site.pendingPath);
    return { status: 'deployed', gate, restarted };
  } catch (failure) {
    const message = failure instanceof Error ? failure.message : String(failure);
    // The broker saw the new files: what it logged about them is read before the restore.
    const logged = installed || restarted ? await logProblems(remote, site.brokerLog).catch(() => []) : [];
    const reason =
      logged.length > 0
        ? `${message}\n${site.brokerLog}, last errors and warnings:\n${logged.map((l) => `  ${l}`).join('\n')}`
        : message;
    update(`failed: restoring ${restoreFrom}`);
    try {
      await restoreBackup(remote, { dir: restoreFrom, paths: backup.paths });
      // Restored stores are re-hashed like any others; only a broker that this change restarted
      // (or whose config.xml it changed and then restarted) needs a restart to read the old files.
      if (restarted) await restartBroker(remote, site.restartCommand, site.restartTimeoutMs);
      await proveServedBefore(servedBefore, site);
      await clearPending(remote, site.pendingPath);
    } catch (rollbackFailure) {
      throw new DeployTlsError(
        `failed (${reason}) and the rollback failed too: ${(rollbackFailure as Error).message}`,
        {
          node: remote.node,
          hint: `restore ${restoreFrom} by hand on the node and restart HiveMQ; the next run retries the change`,
          cause: rollbackFailure,
        },
      );
    }
    return { status: 'rolled-back', reason, backup: restoreFrom, cause: failure };
  }
}

/**
 * A new keystore shows as a new serial in a handshake; a truststore alone shows only in the broker
 * log ("Successfully updated changed SSL Context"), so that is where we look for it.
 */
async function reloadObserved(
  change: NodeChange,
  site: ChangeSite,
  reloadsBefore: number,
  update: (text: string) => void,
): Promise<boolean> {
  if (!change.newCertificate) {
    update(`waiting for HiveMQ to reload the truststore (it checks every 10 s; ${site.brokerLog})`);
    return waitForReload(site.remote, site.brokerLog, reloadsBefore, site.reloadTimeoutMs, site.clock);
  }
  update(`waiting for HiveMQ to reload (it re-reads keystores every 10 s): serial ${change.serial}`);
  try {
    await site.gate.waitForSerial(change.serial, site.reloadTimeoutMs);
    return true;
  } catch {
    return false;
  }
}

/** After a restore: the old certificate serves again (on the old port), or the TLS listener is gone. */
async function proveServedBefore(servedBefore: NodeChange['servedBefore'], site: ChangeSite): Promise<void> {
  if (servedBefore) {
    await site.gate.waitForSerial(servedBefore.serial, site.healthTimeoutMs, servedBefore.port);
  } else {
    await site.gate.waitForClosed(site.healthTimeoutMs);
  }
}
