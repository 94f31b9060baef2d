// One node's change, carried out: back up, install the files, restart or wait for HiveMQ's reload,
// gate. On any failure after the backup: restore it, restart, and prove the node serves what it
// served before. It receives bytes (the files) and watches the node through a Gate: no CA, no
// inventory, so it can be tested with an in-memory Remote and a fake Gate.
import type { Clock } from '../clock.js';
import { DeployTlsError } from '../errors.js';
import { backupFiles, installFiles, type NodeFile, restoreBackup } from '../hivemq/install.js';
import { reloadCount, restartBroker, waitForReload } from '../hivemq/service.js';
import type { Remote } from '../remote/remote.js';
import type { Gate, GateResult } from '../smoke/gate.js';

export interface NodeChange {
  /** Written all or none. */
  files: NodeFile[];
  /** The serial the node must serve afterwards. */
  serial: string;
  /** The keystore changes: HiveMQ's reload then shows as the new serial in a handshake. */
  newCertificate: boolean;
  /** restart: config.xml changed (read once at start); hot-reload: only stores changed. */
  action: 'restart' | 'hot-reload';
  /** What the node served before, to prove after a rollback; undefined: it had no TLS listener. */
  servedBefore?: { serial: string; port: number };
}

/** The node the change happens on, and how to reach and watch it. */
export interface ChangeSite {
  remote: Remote;
  gate: Gate;
  restartCommand: string;
  /** The broker log, where HiveMQ records a keystore/truststore reload. */
  brokerLog: string;
  backupRoot: string;
  /** Every file the change may touch: backed up before, restored on failure. */
  backupPaths: string[];
  /** How many backup folders to keep on the node (older ones are pruned). */
  backupsKept: number;
  /** How long the node may take to serve its new certificate. */
  healthTimeoutMs: number;
  /** How long to wait for HiveMQ's 10-second keystore re-hash before a restart loads it. */
  reloadTimeoutMs: number;
  clock: Clock;
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
  const reloadsBefore = change.action === 'hot-reload' ? await reloadCount(remote, site.brokerLog) : 0;
  try {
    update(`writing ${change.files.map((f) => f.path.split('/').pop()).join(', ')}`);
    await installFiles(remote, change.files);
    let restarted = change.action === 'restart';
    if (restarted) {
      update('restarting HiveMQ');
      await restartBroker(remote, site.restartCommand);
    } else if (!(await reloadObserved(change, site, reloadsBefore, update))) {
      // HiveMQ re-hashes keystores every 10 s; when the new serial does not show, a restart loads it.
      update('reload not observed: restarting HiveMQ');
      await restartBroker(remote, site.restartCommand);
      restarted = true;
    }
    update(`waiting for serial ${change.serial}`);
    const gate = await site.gate.check(change.serial, site.healthTimeoutMs);
    return { status: 'deployed', gate, restarted };
  } catch (failure) {
    update(`failed: restoring ${backup.dir}`);
    const reason = failure instanceof Error ? failure.message : String(failure);
    try {
      await restoreBackup(remote, backup);
      await restartBroker(remote, site.restartCommand);
      await proveServedBefore(change, site);
    } catch (rollbackFailure) {
      throw new DeployTlsError(
        `failed (${reason}) and the rollback failed too: ${(rollbackFailure as Error).message}`,
        {
          node: remote.node,
          hint: `restore ${backup.dir} by hand on the node and restart HiveMQ`,
          cause: rollbackFailure,
        },
      );
    }
    return { status: 'rolled-back', reason, backup: backup.dir, cause: failure };
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
async function proveServedBefore(change: NodeChange, site: ChangeSite): Promise<void> {
  if (change.servedBefore) {
    const { serial, port } = change.servedBefore;
    await site.gate.waitForSerial(serial, site.healthTimeoutMs, port);
  } else {
    await site.gate.waitForClosed(site.healthTimeoutMs);
  }
}
