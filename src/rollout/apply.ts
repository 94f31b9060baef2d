// Step 5: carry the plan out, batch after batch (`--batch`, cut as Ansible's `serial` cuts hosts).
// The nodes of a batch change at once, each gated on its own new serial; a batch with a failure
// stops the batches after it, unless `--max-fail` allows that many. Per node: issue its certificate
// (when the plan says so) and build the bytes, apply the change (rollout/change.ts), and record the
// result in the ledger. A node without room for the change fails before any batch, alone.
import { keystoreBytes, truststoreBytes } from '../bundles/bundle.js';
import type { Clock } from '../clock.js';
import { DeployTlsError } from '../errors.js';
import type { Fault } from '../faults.js';
import { DEFAULT_WEBSOCKET_PATH, readPlainListeners } from '../hivemq/config.js';
import { ENVIRONMENT_FILE_MODE } from '../hivemq/environment.js';
import { type NodeFile, requireFreeSpace, spaceNeeded } from '../hivemq/install.js';
import { formatSan, type IssueRequest, type KeyPair } from '../pki/index.js';
import { appendLedger, type LedgerEntry } from '../pki/ledger.js';
import { desiredConfig, desiredDropIn, desiredEnvironmentFile } from '../plan/config.js';
import type { NodeIntent, NodePlan } from '../plan/types.js';
import { type GateResult, type GateTarget, nodeGate } from '../smoke/gate.js';
import { type RendererName, runBatchedStage } from '../tasks/stage.js';
import { type BatchSpec, cutBatches, failuresStop, type MaxFail } from './batches.js';
import type { Issuer } from './ca.js';
import { applyChange, type ChangeResult } from './change.js';
import { asNodeError, type ConnectedNode } from './gather.js';
import { KeyQueue } from './keys.js';

/** One node through the whole rollout: where it is, what it has, what it must get. */
export interface NodeRun extends ConnectedNode {
  intent: NodeIntent;
  plan: NodePlan;
}

export type NodeOutcome = (
  | { status: 'deployed'; serial: string; restarted: boolean; gate: GateResult }
  | { status: 'rolled-back' | 'failed'; error: DeployTlsError }
) & {
  /** 1 for the first batch; absent for a node that failed before any batch (no room). */
  batch?: number;
  startedAt: Date;
  finishedAt: Date;
};

export interface ApplySettings {
  /** How the nodes are cut into batches. */
  batch: BatchSpec;
  /** How many failed nodes the run goes on past; none by default. */
  maxFail?: MaxFail;
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

/** `keys` may hold keys asked for ahead, by node name. */
export async function applyPlan(
  runs: readonly NodeRun[],
  issuer: Issuer,
  settings: ApplySettings,
  deps: ApplyDeps,
  keys: KeyQueue<string> = new KeyQueue(),
): Promise<Map<NodeRun, NodeOutcome>> {
  const { clock } = deps;
  const outcomes = new Map<NodeRun, NodeOutcome>();
  // A full disk is that node's failure, found before its certificate is issued or a file written
  // (a backup or temp file that cannot be written would leave neither the old files nor the new);
  // the other nodes go on, and it counts against no batch's failure budget.
  const roomy = new Set<NodeRun>();
  await Promise.all(
    runs.map(async (run) => {
      try {
        await requireRoom(run);
        roomy.add(run);
      } catch (error) {
        const now = clock.now();
        outcomes.set(run, {
          status: 'failed',
          error: asNodeError(error, run.target),
          startedAt: now,
          finishedAt: now,
        });
      }
    }),
  );
  const batches = cutBatches(
    runs.filter((run) => roomy.has(run)),
    settings.batch,
  );
  const batchOf = new Map(batches.flatMap((batch, index) => batch.map((run) => [run, index] as const)));
  // Once a batch's certificates are written, the next batch's keys are generated on libuv's pool
  // while this batch waits on its nodes. Not sooner: the pool also does the CA's file writes.
  const toPrepare = batches.map((batch) => batch.length);
  const prepared = (index: number) => {
    toPrepare[index] = (toPrepare[index] ?? 1) - 1;
    if (toPrepare[index] !== 0) return;
    for (const run of batches[index + 1] ?? []) if (run.plan.replaceKeystore) keyOf(run, keys);
  };
  const started = new Map<NodeRun, Date>();
  const stage = await runBatchedStage(
    'Roll out',
    batches,
    (run) => `${run.target.node.name}: ${run.plan.action}`,
    async (run, update) => {
      started.set(run, clock.now());
      const batch = (batchOf.get(run) ?? 0) + 1;
      if (run.plan.replaceKeystore) update('issuing a certificate');
      const files = await prepareFiles(run, issuer, settings, keys, clock).finally(() => prepared(batch - 1));
      const outcome = await changeNode(run, files, issuer, settings, deps, update);
      const times = { batch, startedAt: started.get(run) ?? clock.now(), finishedAt: clock.now() };
      outcomes.set(run, { ...outcome, ...times });
      if (outcome.status !== 'deployed') throw outcome.error; // shows the node as failed
    },
    {
      renderer: settings.renderer,
      goOn: (batch, failedInRun) => !failuresStop(settings.maxFail, batch, failedInRun),
    },
  );
  for (const result of stage) {
    if (result.status === 'failed' && !outcomes.has(result.item)) {
      outcomes.set(result.item, {
        status: 'failed',
        error: asNodeError(result.error, result.item.target),
        batch: (batchOf.get(result.item) ?? 0) + 1,
        startedAt: started.get(result.item) ?? clock.now(),
        finishedAt: clock.now(),
      });
    }
  }
  return outcomes;
}

/** Room on every filesystem the change writes to: the stores where config.xml keeps them, the
 *  environment file and drop-in of environment mode, config.xml and the backups. */
function requireRoom({ remote, target, facts, intent, plan }: NodeRun): Promise<void> {
  const { paths } = target;
  return requireFreeSpace(
    remote,
    [
      intent.keystorePath,
      intent.truststorePath,
      paths.config,
      paths.backupRoot,
      ...(plan.environment ? [plan.environment.path] : []),
      ...(plan.environment?.dropIn ? [plan.environment.dropIn.path] : []),
    ],
    spaceNeeded(Buffer.byteLength(facts.configXml ?? '')),
  );
}

const keyOf = (run: NodeRun, keys: KeyQueue<string>) =>
  keys.key(run.target.node.name, run.target.node.tls.key);

interface PreparedFiles {
  fresh?: FreshCertificate;
  files: NodeFile[];
}

/** The node's new certificate (when due), and every file it receives, as bytes. */
async function prepareFiles(
  run: NodeRun,
  issuer: Issuer,
  settings: ApplySettings,
  keys: KeyQueue<string>,
  clock: Clock,
): Promise<PreparedFiles> {
  const { target, plan } = run;
  const { node, paths } = target;
  const fresh = plan.replaceKeystore
    ? await issue(run, issuer, await keyOf(run, keys), clock.now())
    : undefined;
  const { intent } = run;
  const storeFile = intent.storeOwnership;
  const files: NodeFile[] = [];
  if (fresh) files.push({ path: intent.keystorePath, data: fresh.keystore, ...storeFile });
  if (plan.replaceTruststore) {
    const bundle = { format: node.tls.keystore.format, passwords: target.passwords, now: clock.now() };
    files.push({
      path: intent.truststorePath,
      data: truststoreBytes(settings.trusted, bundle),
      ...storeFile,
    });
  }
  if (plan.config.changed) {
    // The plan holds only a redacted diff: the text with passwords is rendered again here.
    const data = desiredConfig(run.facts.configXml ?? '', intent);
    // config.xml holds the keystore passwords: keep its owner and group, never let others read it
    // (HiveMQ ships it 0644).
    const kept = run.facts.configOwnership;
    const configFile = kept ? { ...kept, mode: kept.mode & ~0o007 } : storeFile;
    files.push({ path: paths.config, data, ...configFile });
  }
  files.push(...environmentFiles(run));
  return { fresh, files };
}

async function changeNode(
  run: NodeRun,
  { fresh, files }: PreparedFiles,
  issuer: Issuer,
  settings: ApplySettings,
  { clock, fault }: ApplyDeps,
  update: (text: string) => void,
): Promise<
  | { status: 'deployed'; serial: string; restarted: boolean; gate: GateResult }
  | { status: 'rolled-back'; error: DeployTlsError }
> {
  const { target, plan, remote, intent } = run;
  const { node, paths } = target;
  const serial = fresh?.serial ?? plan.current?.serial;
  if (!serial)
    throw new DeployTlsError('nothing to serve: no new and no current certificate', { node: node.name });

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
          ...gateListeners(intent),
          address: node.address,
          host: node.host,
          ca: issuer.chainPem,
          client: issuer.smoke,
        },
        clock,
      ),
      restartCommand: node.hivemq.restart,
      beforeRestart: files.some((file) => file.path === plan.environment?.dropIn?.path)
        ? 'systemctl daemon-reload'
        : undefined,
      plain: { address: node.address, listeners: readPlainListeners(run.facts.configXml ?? '') },
      restartTimeoutMs: node.hivemq.restartTimeout * 1000,
      brokerLog: node.hivemq.log,
      backupRoot: paths.backupRoot,
      backupPaths: [
        intent.keystorePath,
        intent.truststorePath,
        paths.config,
        ...(plan.environment ? [plan.environment.path] : []),
        ...(plan.environment?.dropIn ? [plan.environment.dropIn.path] : []),
      ],
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

/**
 * Environment mode: the passwords' file (root's, 0600: systemd reads it as root before HiveMQ
 * drops privileges) and the unit's drop-in, in the same atomic install as config.xml, so the
 * restart that follows finds the placeholders and their values together.
 */
function environmentFiles(run: NodeRun): NodeFile[] {
  const { environment } = run.plan;
  if (!environment || run.intent.config.kind !== 'tls') return [];
  const tls = run.intent.config.tls;
  const files: NodeFile[] = [];
  if (environment.changed)
    files.push({
      path: environment.path,
      data: desiredEnvironmentFile(tls),
      mode: ENVIRONMENT_FILE_MODE,
      owner: 'root',
      group: 'root',
    });
  const dropIn = desiredDropIn(tls);
  if (environment.dropIn?.changed && dropIn !== undefined)
    files.push({ path: environment.dropIn.path, data: dropIn, mode: 0o644, owner: 'root', group: 'root' });
  return files;
}

/**
 * The gate's round trip goes to the inventory's first listener, over its transport; the others
 * share the keystore and must serve the same serial.
 */
function gateListeners(intent: NodeIntent): Pick<GateTarget, 'port' | 'transport' | 'otherPorts'> {
  const listeners = intent.config.kind === 'tls' ? intent.config.tls.listeners : intent.config.listeners;
  const [first, ...others] = listeners;
  if (!first) throw new DeployTlsError('no TLS listener to watch', { node: intent.node });
  return {
    port: first.port,
    transport:
      first.type === 'websocket'
        ? { type: 'websocket', path: first.path ?? DEFAULT_WEBSOCKET_PATH }
        : undefined,
    otherPorts: others.map((listener) => listener.port),
  };
}

interface FreshCertificate {
  serial: string;
  sans: string[];
  notAfter: Date;
  keystore: Uint8Array;
}

/**
 * What the CA is asked for a node: CN = its first DNS SAN (else its host), its SANs, key and days.
 * Without `key` it is the request the run checks before any node changes.
 */
export function nodeRequest(run: NodeRun, issuer: Issuer, now: Date, key?: KeyPair): IssueRequest {
  const { node } = run.target;
  const firstDns = node.sans.find((san) => san.type === 'dns');
  return {
    profile: 'node',
    name: node.name,
    subject: issuer.ca.leafSubject(firstDns?.value ?? node.host),
    sans: node.sans,
    keyType: node.tls.key,
    key,
    days: node.tls.days,
    now,
  };
}

/** The node's new certificate from the open CA, as the keystore bytes it is deployed in. */
async function issue(run: NodeRun, issuer: Issuer, key: KeyPair, now: Date): Promise<FreshCertificate> {
  const { node, passwords } = run.target;
  const issued = await issuer.ca.issue(nodeRequest(run, issuer, now, key));
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
