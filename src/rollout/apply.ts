// Step 5: carry the plan out, node after node (`batch` at a time). Per node: issue its certificate
// (when the plan says so) and build the bytes, apply the change (rollout/change.ts), and record the
// result in the ledger. The first node that fails stops the nodes after it; a node without room for
// the change fails before that, alone.
import { keystoreBytes, truststoreBytes } from '../bundles/bundle.js';
import type { Clock } from '../clock.js';
import { DeployTlsError } from '../errors.js';
import type { Fault } from '../faults.js';
import { type NodeFile, requireFreeSpace, spaceNeeded } from '../hivemq/install.js';
import { formatSan, type IssueRequest } from '../pki/index.js';
import { appendLedger, type LedgerEntry } from '../pki/ledger.js';
import { desiredConfig } from '../plan/config.js';
import type { NodeIntent, NodePlan } from '../plan/types.js';
import { type GateResult, nodeGate } from '../smoke/gate.js';
import { type RendererName, runStage } from '../tasks/stage.js';
import type { Issuer } from './ca.js';
import { applyChange, type ChangeResult } from './change.js';
import { asNodeError, type ConnectedNode } from './gather.js';

/** One node through the whole rollout: where it is, what it has, what it must get. */
export interface NodeRun extends ConnectedNode {
  intent: NodeIntent;
  plan: NodePlan;
}

export type NodeOutcome =
  | { status: 'deployed'; serial: string; restarted: boolean; gate: GateResult }
  | { status: 'rolled-back' | 'failed'; error: DeployTlsError };

export interface ApplySettings {
  /** Nodes changed at once. */
  batch: number;
  renderer: RendererName;
  healthTimeoutMs: number;
  /** HiveMQ re-reads keystores every 10 s; past this, a hot reload falls back to a restart. */
  reloadTimeoutMs: number;
  /** DER certificates the broker truststores must hold. */
  trusted: readonly Uint8Array[];
}

export interface ApplyDeps {
  clock: Clock;
  fault?: Fault;
}

export async function applyPlan(
  runs: readonly NodeRun[],
  issuer: Issuer,
  settings: ApplySettings,
  deps: ApplyDeps,
): Promise<Map<NodeRun, NodeOutcome>> {
  const outcomes = new Map<NodeRun, NodeOutcome>();
  // A full disk is that node's failure, found before its certificate is issued or a file written
  // (a backup or temp file that cannot be written would leave neither the old files nor the new);
  // the other nodes go on.
  const roomy: NodeRun[] = [];
  await Promise.all(
    runs.map(async (run) => {
      try {
        await requireRoom(run);
        roomy.push(run);
      } catch (error) {
        outcomes.set(run, { status: 'failed', error: asNodeError(error, run.target) });
      }
    }),
  );
  const stage = await runStage(
    'Roll out',
    runs.filter((run) => roomy.includes(run)),
    (run) => `${run.target.node.name}: ${run.plan.action}`,
    async (run, update) => {
      const outcome = await changeNode(run, issuer, settings, deps, update);
      outcomes.set(run, outcome);
      if (outcome.status !== 'deployed') throw outcome.error; // shows the node as failed, stops the rest
    },
    { concurrency: settings.batch, stopOnError: true, renderer: settings.renderer },
  );
  for (const result of stage) {
    if (result.status === 'failed' && !outcomes.has(result.item))
      outcomes.set(result.item, { status: 'failed', error: asNodeError(result.error, result.item.target) });
  }
  return outcomes;
}

function requireRoom({ remote, target, facts }: NodeRun): Promise<void> {
  const { paths } = target;
  return requireFreeSpace(
    remote,
    [paths.keystore, paths.truststore, paths.config, paths.backupRoot],
    spaceNeeded(Buffer.byteLength(facts.configXml ?? '')),
  );
}

async function changeNode(
  run: NodeRun,
  issuer: Issuer,
  settings: ApplySettings,
  { clock, fault }: ApplyDeps,
  update: (text: string) => void,
): Promise<NodeOutcome> {
  const { target, plan, remote } = run;
  const { node, paths } = target;
  if (plan.replaceKeystore) update('issuing a certificate');
  const fresh = plan.replaceKeystore ? await issue(run, issuer, clock.now()) : undefined;
  const serial = fresh?.serial ?? plan.current?.serial;
  if (!serial)
    throw new DeployTlsError('nothing to serve: no new and no current certificate', { node: node.name });

  const storeFile = run.intent.storeOwnership;
  const files: NodeFile[] = [];
  if (fresh) files.push({ path: paths.keystore, data: fresh.keystore, ...storeFile });
  if (plan.replaceTruststore) {
    const bundle = { format: node.tls.keystore.format, passwords: target.passwords, now: clock.now() };
    files.push({ path: paths.truststore, data: truststoreBytes(settings.trusted, bundle), ...storeFile });
  }
  if (plan.config.changed) {
    // The plan holds only a redacted diff: the text with passwords is rendered again here.
    const data = desiredConfig(run.facts.configXml ?? '', run.intent);
    // config.xml holds the keystore passwords: keep its owner and group, never let others read it
    // (HiveMQ ships it 0644).
    const kept = run.facts.configOwnership;
    const configFile = kept ? { ...kept, mode: kept.mode & ~0o007 } : storeFile;
    files.push({ path: paths.config, data, ...configFile });
  }

  const result = await applyChange(
    {
      files,
      serial,
      // A pending change may have installed a new keystore: its reload shows as the served serial.
      newCertificate: fresh !== undefined || plan.pending !== undefined,
      action: plan.action === 'restart' ? 'restart' : 'hot-reload',
      servedBefore: plan.servedBefore,
      pending: plan.pending,
    },
    {
      remote,
      gate: nodeGate(
        {
          address: node.address,
          port: node.tls.listener.port,
          host: node.host,
          ca: issuer.chainPem,
          client: issuer.smoke,
        },
        clock,
      ),
      restartCommand: node.hivemq.restart,
      restartTimeoutMs: node.hivemq.restartTimeout * 1000,
      brokerLog: node.hivemq.log,
      backupRoot: paths.backupRoot,
      backupPaths: [paths.keystore, paths.truststore, paths.config],
      backupsKept: node.tls.backups,
      pendingPath: paths.pending,
      healthTimeoutMs: settings.healthTimeoutMs,
      reloadTimeoutMs: settings.reloadTimeoutMs,
      clock,
      fault,
    },
    update,
  );
  // The node is proven back on its old certificate: the one issued for this attempt never served,
  // and index.txt says so (openssl ca and a CRL agree with the ledger). Revoked before the ledger
  // line is written, so that a process killed in between leaves no valid certificate unaccounted.
  if (result.status === 'rolled-back' && fresh)
    await issuer.ca.revoke(fresh.serial, 'cessationOfOperation', clock.now());
  await appendLedger(issuer.ca.layout.dir, ledgerEntry(run, serial, fresh, result, clock.now()));
  if (result.status === 'deployed')
    return { status: 'deployed', serial, restarted: result.restarted, gate: result.gate };
  return {
    status: 'rolled-back',
    error: new DeployTlsError(`${result.reason}; rolled back to the files in ${result.backup}`, {
      node: node.name,
      hint: 'the node serves what it served before; fix the cause and run again',
      cause: result.cause,
    }),
  };
}

interface FreshCertificate {
  serial: string;
  sans: string[];
  notAfter: Date;
  keystore: Uint8Array;
}

/** What the CA is asked for a node: CN = its first DNS SAN (else its host), its SANs, key and days. */
export function nodeRequest(run: NodeRun, issuer: Issuer, now: Date): IssueRequest {
  const { node } = run.target;
  const firstDns = node.sans.find((san) => san.type === 'dns');
  return {
    profile: 'node',
    name: node.name,
    subject: issuer.ca.leafSubject(firstDns?.value ?? node.host),
    sans: node.sans,
    keyType: node.tls.key,
    days: node.tls.days,
    now,
  };
}

/** The node's new certificate from the open CA, as the keystore bytes it is deployed in. */
async function issue(run: NodeRun, issuer: Issuer, now: Date): Promise<FreshCertificate> {
  const { node, passwords } = run.target;
  const issued = await issuer.ca.issue(nodeRequest(run, issuer, now));
  return {
    serial: issued.serial,
    sans: issued.sans.map(formatSan),
    notAfter: issued.certificate.notAfter,
    keystore: keystoreBytes(issued, { format: node.tls.keystore.format, passwords, now }),
  };
}

function ledgerEntry(
  run: NodeRun,
  serial: string,
  fresh: FreshCertificate | undefined,
  result: ChangeResult,
  now: Date,
): LedgerEntry {
  const current = run.plan.current;
  const deployed = result.status === 'deployed';
  const restarted = deployed ? result.restarted : run.plan.action === 'restart';
  return {
    time: now.toISOString(),
    node: run.target.node.name,
    serial,
    sans: fresh?.sans ?? current?.sans ?? [],
    notAfter: (fresh?.notAfter ?? current?.notAfter ?? new Date(0)).toISOString(),
    action: restarted ? 'restart' : run.plan.action,
    result: result.status,
    handshakeMs: deployed ? result.gate.handshakeMs : undefined,
    roundTripMs: deployed ? result.gate.roundTripMs : undefined,
    error: deployed ? undefined : result.reason,
  };
}
