// One node's change, carried out from its plan: back up, install, restart or wait for the
// reload, gate; on any failure after the backup, restore it, restart, and prove the old state.
import { DeployTlsError } from '../errors.js';
import { readTlsListener } from '../hivemq/config.js';
import { backupFiles, installFiles, type NodeFile, restoreBackup } from '../hivemq/install.js';
import { reloadCount, restartBroker, waitForReload } from '../hivemq/service.js';
import type { LedgerEntry } from '../pki/ledger.js';
import type { NodePlan } from '../plan/types.js';
import type { Remote } from '../remote/remote.js';
import {
  type GateResult,
  type GateTarget,
  healthGate,
  waitForServedSerial,
  waitForTlsClosed,
} from '../smoke/gate.js';

export interface NewCertificate {
  serial: string;
  sans: string[];
  notAfter: Date;
  keystore: Uint8Array;
}

export interface NodeRolloutInput {
  remote: Remote;
  plan: NodePlan;
  listenerName: string;
  restartCommand: string;
  /** The broker log, where HiveMQ records a keystore/truststore reload. */
  brokerLog: string;
  backupRoot: string;
  paths: { keystore: string; truststore: string; config: string };
  /** Mode and owner for keystore and truststore (DESIGN.md: 0640 root:<service user>). */
  storeFile: { mode: number; owner: string; group: string };
  configFile: { mode: number; owner: string; group: string };
  gate: GateTarget;
  healthTimeoutMs: number;
  /** How long to wait for HiveMQ's keystore re-hash before falling back to a restart. */
  reloadTimeoutMs: number;
  now: () => Date;
  /** Issues the node's new certificate and returns its keystore bytes. */
  issue(): Promise<NewCertificate>;
  truststore(): Uint8Array;
  record(entry: LedgerEntry): Promise<void>;
}

export interface NodeRolloutResult {
  serial: string;
  previousSerial?: string;
  gate: GateResult;
  /** A hot reload that was not observed ends in a restart too. */
  restarted: boolean;
}

export class NodeRolledBackError extends DeployTlsError {}

export async function rolloutNode(
  input: NodeRolloutInput,
  update: (text: string) => void,
): Promise<NodeRolloutResult> {
  const { remote, plan } = input;
  if (plan.replaceKeystore) update('issuing a certificate');
  const fresh = plan.replaceKeystore ? await input.issue() : undefined;
  const serial = fresh?.serial ?? plan.current?.serial;
  if (!serial)
    throw new DeployTlsError('nothing to serve: no new and no current certificate', { node: remote.node });

  const files: NodeFile[] = [];
  if (fresh) files.push({ path: input.paths.keystore, data: fresh.keystore, ...input.storeFile });
  if (plan.replaceTruststore)
    files.push({ path: input.paths.truststore, data: input.truststore(), ...input.storeFile });
  if (plan.config.changed)
    files.push({ path: input.paths.config, data: plan.config.desired, ...input.configFile });

  update('backing up');
  const backup = await backupFiles(
    remote,
    input.backupRoot,
    [input.paths.keystore, input.paths.truststore, input.paths.config],
    input.now(),
  );
  const reloadsBefore = plan.action === 'hot-reload' ? await reloadCount(remote, input.brokerLog) : 0;
  try {
    update(`writing ${files.map((f) => f.path.split('/').pop()).join(', ')}`);
    await installFiles(remote, files);
    let restarted = plan.action === 'restart';
    if (restarted) {
      update('restarting HiveMQ');
      await restartBroker(remote, input.restartCommand);
    } else if (!(await reloadObserved(input, serial, fresh !== undefined, reloadsBefore, update))) {
      // HiveMQ re-hashes keystores every 10 s; when the new serial does not show, a restart loads it.
      update('reload not observed: restarting HiveMQ');
      await restartBroker(remote, input.restartCommand);
      restarted = true;
    }
    update(`waiting for serial ${serial} on ${input.gate.address}:${input.gate.port}`);
    const gate = await healthGate(input.gate, serial, input.healthTimeoutMs);
    await input.record(entry(input, serial, fresh, 'deployed', gate, undefined, restarted));
    return { serial, previousSerial: plan.current?.serial, gate, restarted };
  } catch (failure) {
    update(`failed: restoring ${backup.dir}`);
    const reason = failure instanceof Error ? failure.message : String(failure);
    try {
      await restoreBackup(remote, backup);
      await restartBroker(remote, input.restartCommand);
      await proveOldState(input);
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
    await input.record(entry(input, serial, fresh, 'rolled-back', undefined, reason));
    throw new NodeRolledBackError(`${reason}; rolled back to the files in ${backup.dir}`, {
      node: remote.node,
      hint: 'the node serves what it served before; fix the cause and run again',
      cause: failure,
    });
  }
}

/**
 * A new keystore shows as a new serial in a handshake; a truststore alone shows only in the broker
 * log, so that is where we look for it.
 */
async function reloadObserved(
  input: NodeRolloutInput,
  serial: string,
  newCertificate: boolean,
  reloadsBefore: number,
  update: (text: string) => void,
): Promise<boolean> {
  if (!newCertificate) {
    update(`waiting for HiveMQ to reload the truststore (it checks every 10 s; ${input.brokerLog})`);
    return waitForReload(input.remote, input.brokerLog, reloadsBefore, input.reloadTimeoutMs);
  }
  update(`waiting for HiveMQ to reload (it re-reads keystores every 10 s): serial ${serial}`);
  try {
    await waitForServedSerial(input.gate, serial, input.reloadTimeoutMs);
    return true;
  } catch {
    return false;
  }
}

/** After a restore: the old certificate serves again, or the TLS listener is gone if there was none. */
async function proveOldState(input: NodeRolloutInput): Promise<void> {
  const oldListener = input.plan.config.current
    ? readTlsListener(input.plan.config.current, input.listenerName)
    : undefined;
  const oldSerial = input.plan.current?.serial;
  if (oldListener && oldSerial) {
    // The restored config may listen on another port than the one that failed.
    const gate = { ...input.gate, port: oldListener.port ?? input.gate.port };
    await waitForServedSerial(gate, oldSerial, input.healthTimeoutMs);
  } else {
    await waitForTlsClosed(input.gate, input.healthTimeoutMs);
  }
}

function entry(
  input: NodeRolloutInput,
  serial: string,
  fresh: NewCertificate | undefined,
  result: LedgerEntry['result'],
  gate?: GateResult,
  error?: string,
  restarted = input.plan.action === 'restart',
): LedgerEntry {
  const current = input.plan.current;
  return {
    time: input.now().toISOString(),
    node: input.remote.node,
    serial,
    sans: fresh?.sans ?? current?.sans ?? [],
    notAfter: (fresh?.notAfter ?? current?.notAfter ?? new Date(0)).toISOString(),
    action: restarted ? 'restart' : input.plan.action,
    result,
    handshakeMs: gate?.handshakeMs,
    roundTripMs: gate?.roundTripMs,
    error,
  };
}
