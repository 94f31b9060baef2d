// buildPlan: pure. Given what nodes and the CA hold now and what the inventory asks for, say per
// node what to change and why. The same inputs give the same plan; a deployed fleet plans nothing.
// A node whose plan cannot be made (its config.xml is broken, its listener missing) is a problem of
// that node, named, and the other nodes are planned all the same.
import { CONTROL_CLASS } from '../control.js';
import { DeployTlsError, InputError } from '../errors.js';
import { readTlsListeners } from '../hivemq/config.js';
import { ENVIRONMENT_FILE_MODE, environmentFileHolds } from '../hivemq/environment.js';
import { installPaths } from '../hivemq/install-probe.js';
import { assertValidConfig } from '../hivemq/validate.js';
import { renewalReason } from '../pki/renewal.js';
import { configChange, desiredConfig, desiredDropIn } from './config.js';
import type {
  CaState,
  EnvironmentChange,
  FileOwnership,
  NodeAction,
  NodeFacts,
  NodeIntent,
  NodePlan,
  Plan,
  PlanProblem,
  TlsIntent,
} from './types.js';

const CONTROL_CHARACTER = new RegExp(`[${CONTROL_CLASS}]`, 'g');

export interface PlanInput {
  intent: NodeIntent;
  facts: NodeFacts;
}

/**
 * The fleet's plan, and each input with its node's plan beside it (inputs may carry more, such as
 * the node's connection: they come back as they went in).
 */
export function buildPlan<T extends PlanInput>(
  inputs: readonly T[],
  ca: CaState,
  now: Date,
  earlier: readonly PlanProblem[] = [],
): { plan: Plan; planned: (T & { plan: NodePlan })[] } {
  const planned: (T & { plan: NodePlan })[] = [];
  const problems: PlanProblem[] = [...earlier];
  for (const input of inputs) {
    try {
      planned.push({ ...input, plan: planNode(input.intent, input.facts, ca, now) });
    } catch (error) {
      problems.push(planProblem(error, input.intent.node));
    }
  }
  return { plan: { createdAt: now, nodes: planned.map((p) => p.plan), problems }, planned };
}

/** A node whose plan cannot be made, named: for steps before buildPlan (its intent) too. */
export function planProblem(error: unknown, node: string): PlanProblem {
  return { node, error: nodeError(error, node) };
}

const TLS_TAG = { tcp: 'tls-tcp-listener', websocket: 'tls-websocket-listener' } as const;

function planNode(intent: NodeIntent, facts: NodeFacts, ca: CaState, now: Date): NodePlan {
  const current = facts.configXml ?? '';
  const wanted = intent.config.kind === 'tls' ? intent.config.tls.listeners : intent.config.listeners;
  const existing = readTlsListeners(current);
  // As applyTlsConfig and storePaths match them: by type and name, else unnamed of the type on the port.
  const inConfig = wanted.flatMap((listener) => {
    const found =
      existing.find((e) => e.type === listener.type && e.name === listener.name) ??
      existing.find((e) => e.type === listener.type && e.name === undefined && e.port === listener.port);
    return found ? [{ listener, port: found.port ?? listener.port }] : [];
  });
  if (intent.config.kind === 'keep' && inConfig.length < wanted.length) {
    const missing = wanted.filter((l) => !inConfig.some((found) => found.listener === l));
    throw new DeployTlsError(
      `has no ${missing.map((l) => `<${TLS_TAG[l.type]}> named ${l.name}`).join(', ')}: nothing to rotate`,
      { hint: 'roll mutual TLS out first: deploy-tls --inventory FILE', exitCode: 2 },
    );
  }
  checkFiles(intent);
  const issueReasons = certificateReasons(intent, facts, now);
  const truststoreReason = truststoreDiffers(ca, facts);
  const desired = desiredConfig(current, intent);
  const config = configChange(intent.configPath, current, desired);
  // A config that does not validate is never written: CE would start on its defaults (plain MQTT).
  if (config.changed) checkSchema(desired, facts, intent);
  const environment = environmentChange(intent, facts);
  const replaceKeystore = issueReasons.length > 0;
  const deployed = facts.keystore.certificate;
  const restartReason = config.changed
    ? undefined
    : (notInEffect(
        facts,
        inConfig.map((found) => found.listener.name),
        replaceKeystore ? undefined : deployed?.serial,
      ) ?? environmentRestart(environment));
  // A pending hot reload is finished by watching for it (HiveMQ re-hashes on its own); anything
  // else not in effect needs a restart.
  const finishReload = !config.changed && !environment?.changed && facts.pending?.action === 'hot-reload';
  const action: NodeAction =
    (config.changed || restartReason) && !finishReload
      ? 'restart'
      : replaceKeystore || truststoreReason || restartReason
        ? 'hot-reload'
        : 'none';
  const servedSerials = (facts.served ?? []).flatMap((l) =>
    l.served.kind === 'serial' ? [l.served.serial] : [],
  );
  // Served, ours, and what the keystore holds, but missing from the ledger (a run killed after the
  // write, or a fleet set up by hand with this CA): recorded, not re-issued.
  const recordServed =
    action === 'none' &&
    deployed?.issuedByCa &&
    servedSerials.includes(deployed.serial) &&
    ca.recorded[intent.node] !== deployed.serial
      ? deployed.serial
      : undefined;
  const [first] = inConfig;
  const beforeSerial = deployed?.serial ?? servedSerials[0];
  return {
    node: intent.node,
    issueReasons,
    current: deployed,
    replaceKeystore,
    replaceTruststore: truststoreReason !== undefined,
    truststoreReason,
    config,
    servedBefore: first && beforeSerial ? { serial: beforeSerial, port: first.port } : undefined,
    restartReason,
    pending: facts.pending,
    recordServed,
    ...(intent.config.kind === 'tls'
      ? {
          edition: intent.config.tls.edition,
          cluster: { secure: intent.config.tls.cluster.secure, reason: intent.config.tls.cluster.reason },
        }
      : {}),
    environment,
    warnings: [
      ...(replaceKeystore
        ? []
        : [ownershipDiffers('keystore', facts.keystore.ownership, intent.storeOwnership)]),
      ...(truststoreReason
        ? []
        : [ownershipDiffers('truststore', facts.truststore.ownership, intent.storeOwnership)]),
    ].filter((warning): warning is string => warning !== undefined),
    action,
  };
}

/**
 * The node's own conf/config.xsd judges every config.xml deploy-tls would write. Without one,
 * nothing is written: an unchecked config that HiveMQ CE cannot read makes it start on its defaults.
 */
function checkSchema(desired: string, facts: NodeFacts, intent: NodeIntent): void {
  const xsd = facts.install.configXsd;
  if (xsd === undefined)
    throw new InputError(
      `${installPaths(facts.install.home).xsd} is missing, and deploy-tls writes no config.xml that the node's own schema has not checked`,
      {
        hint: 'restore conf/config.xsd from the HiveMQ archive of the installed version (HiveMQ ships it there), or check hivemq.home',
      },
    );
  assertValidConfig(desired, xsd, intent.node, intent.configPath);
}

/**
 * The files a change may write must be different files, with different names: one file cannot
 * be both keystore and truststore (the article's cluster section uses the keystore as truststore),
 * and a backup keeps each file under its name.
 */
function checkFiles(intent: NodeIntent): void {
  if (intent.keystorePath === intent.truststorePath)
    throw new InputError(
      `config.xml uses ${intent.keystorePath} as keystore and as truststore, and deploy-tls writes a truststore of its own (the CA's intermediate)`,
      {
        hint: "point the listener's <truststore><path> at a file of its own in config.xml, or remove that <truststore>",
      },
    );
  const environment = intent.config.kind === 'tls' ? intent.config.tls.environment : undefined;
  const paths = [
    intent.keystorePath,
    intent.truststorePath,
    intent.configPath,
    ...(environment ? [environment.file] : []),
    ...(environment?.systemd ? [environment.systemd.dropIn] : []),
  ];
  const byName = new Map<string, string>();
  for (const path of paths) {
    const name = path.split('/').pop() ?? path;
    const other = byName.get(name);
    if (other !== undefined && other !== path)
      throw new InputError(
        `${other} and ${path} share the name "${name}", and a backup keeps each file by its name`,
        {
          hint: 'rename one of them (in config.xml or the inventory)',
        },
      );
    byName.set(name, path);
  }
}

/** Environment mode: whether the environment file and the drop-in hold what they must. */
function environmentChange(intent: NodeIntent, facts: NodeFacts): EnvironmentChange | undefined {
  if (intent.config.kind !== 'tls' || !intent.config.tls.environment) return undefined;
  const tls = intent.config.tls;
  const { file, systemd } = tls.environment as NonNullable<TlsIntent['environment']>;
  const have = facts.environment;
  const ownership = have?.fileOwnership;
  const reason =
    have?.file === undefined
      ? `no ${file} yet`
      : !environmentFileHolds(have.file, file, tls.passwords)
        ? `${file} holds other passwords`
        : ownership && (ownership.owner !== 'root' || (ownership.mode & 0o777) !== ENVIRONMENT_FILE_MODE)
          ? `${file} is ${ownership.owner}'s, mode ${(ownership.mode & 0o777).toString(8)}: it must be root's, 0600`
          : undefined;
  const dropIn = systemd
    ? { path: systemd.dropIn, unit: systemd.unit, changed: have?.dropIn !== desiredDropIn(tls) }
    : undefined;
  return {
    path: file,
    changed: reason !== undefined,
    ...(reason ? { reason } : {}),
    ...(dropIn ? { dropIn } : {}),
  };
}

/** HiveMQ puts ${ENV:…} values into config.xml when it starts: a changed file needs a restart. */
function environmentRestart(environment: EnvironmentChange | undefined): string | undefined {
  if (environment?.dropIn?.changed)
    return `the ${environment.dropIn.unit} unit must load ${environment.path}: ${environment.dropIn.path} is new or changes (daemon-reload, then restart)`;
  if (environment?.changed)
    return `${environment.reason}: HiveMQ reads the \${ENV:…} passwords only when it starts`;
  return undefined;
}

/**
 * Files can be right while the broker runs something else: HiveMQ reads config.xml only at start.
 * A change an earlier run never confirmed, a listener that does not answer, or a served serial
 * other than the keystore's all mean the files on disk are not in effect; a restart loads them.
 */
function notInEffect(facts: NodeFacts, inConfig: readonly string[], keystoreSerial: string | undefined) {
  if (facts.pending) {
    const { started, serial } = facts.pending;
    return `finish an interrupted change (started ${started}, serial ${serial}): its files are installed, deploy-tls never saw them served`;
  }
  const served = (facts.served ?? []).filter((listener) => inConfig.includes(listener.name));
  const refused = served.find((listener) => listener.served.kind === 'refused');
  if (refused)
    return `the TLS listener ${refused.name} in config.xml refuses connections: the broker has not loaded it`;
  for (const { name, served: fact } of served)
    if (fact.kind === 'serial' && keystoreSerial && fact.serial !== keystoreSerial)
      return `${name} serves ${fact.serial} while the keystore holds ${keystoreSerial}`;
  return undefined;
}

export function certificateReasons(intent: NodeIntent, fact: NodeFacts, now: Date): string[] {
  const { keystore } = fact;
  if (!keystore.exists) return [`no keystore at ${intent.keystorePath}`];
  if (!keystore.opens || !keystore.certificate) {
    return [
      `the keystore at ${intent.keystorePath} does not open with the inventory's passwords${keystore.problem ? ` (${keystore.problem})` : ''}`,
    ];
  }
  const cert = keystore.certificate;
  const reasons: string[] = intent.force ? ['forced (--force)'] : [];
  if (!cert.issuedByCa) reasons.push('issued by another CA');
  const wanted = [...intent.sans].sort();
  const have = [...cert.sans].sort();
  if (wanted.join(',') !== have.join(','))
    reasons.push(`SANs differ: has ${have.join(', ')}; wants ${wanted.join(', ')}`);
  if (cert.keyType !== intent.keyType)
    reasons.push(`key type ${cert.keyType ?? 'unknown'} → ${intent.keyType}`);
  const due = renewalReason(cert, intent.renewBefore, now);
  if (due) reasons.push(due);
  return reasons;
}

function truststoreDiffers(ca: CaState, fact: NodeFacts): string | undefined {
  const { truststore } = fact;
  if (!truststore.exists) return 'no truststore yet';
  if (!truststore.opens) return "the truststore does not open with the inventory's password";
  const wanted = new Set(ca.trusted);
  const extra = truststore.anchors.filter((anchor) => !wanted.has(anchor.fingerprint));
  const missing = ca.trusted.filter((fingerprint) => !truststore.certificates.includes(fingerprint));
  if (extra.length === 0 && missing.length === 0) return undefined;
  const parts = [
    ...(missing.length > 0
      ? [
          `it lacks ${missing.length === 1 ? 'a certificate' : `${missing.length} certificates`} our CA issues with`,
        ]
      : []),
    ...(extra.length > 0 ? [`it also trusts ${extra.map((a) => commonName(a.subject)).join(', ')}`] : []),
  ];
  return `${parts.join('; ')} (a broker truststore holds exactly the issuing intermediate)`;
}

function commonName(subject: string): string {
  return /(?:^|, )CN=(.+?)(?:, [A-Z]+=|$)/.exec(subject)?.[1] ?? subject;
}

/**
 * A store the broker's user cannot read (its group is not hivemq.serviceUser) fails only at the
 * next restart; one others can read gives its password-protected bytes away. Said in the plan, not
 * changed on its own: a store made by hand (keytool writes 0644) is adopted as it is, and gets the
 * inventory's owner and mode when deploy-tls next writes it.
 */
function ownershipDiffers(
  store: 'keystore' | 'truststore',
  have: FileOwnership | undefined,
  want: FileOwnership,
): string | undefined {
  if (!have) return undefined;
  if (have.owner === want.owner && have.group === want.group && have.mode === want.mode) return undefined;
  // Names come from the node: a control character in one must not reach the operator's terminal.
  const name = (text: string) => text.replace(CONTROL_CHARACTER, '?');
  const show = (o: FileOwnership) =>
    `${name(o.owner)}:${name(o.group)} ${o.mode.toString(8).padStart(4, '0')}`;
  return `the ${store} is ${show(have)}; the inventory asks ${show(want)} (written so at its next change)`;
}

function nodeError(error: unknown, node: string): DeployTlsError {
  if (error instanceof DeployTlsError) {
    return error.node
      ? error
      : new DeployTlsError(error.message, {
          node,
          hint: error.hint,
          exitCode: error.exitCode,
          cause: error,
        });
  }
  return new InputError(error instanceof Error ? error.message : String(error), { node, cause: error });
}
