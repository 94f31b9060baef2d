// buildPlan: pure. Given what nodes and the CA hold now and what the inventory asks for, say per
// node what to change and why. The same inputs give the same plan; a deployed fleet plans nothing.
// A node whose plan cannot be made (its config.xml is broken, its listener missing) is a problem of
// that node, named, and the other nodes are planned all the same.
import { CONTROL_CLASS } from '../control.js';
import { DeployTlsError, InputError } from '../errors.js';
import { readTlsListener } from '../hivemq/config.js';
import { renewalReason } from '../pki/renewal.js';
import { configChange, desiredConfig } from './config.js';
import type {
  CaState,
  FileOwnership,
  NodeAction,
  NodeFacts,
  NodeIntent,
  NodePlan,
  Plan,
  PlanProblem,
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
): { plan: Plan; planned: (T & { plan: NodePlan })[] } {
  const planned: (T & { plan: NodePlan })[] = [];
  const problems: PlanProblem[] = [];
  for (const input of inputs) {
    try {
      planned.push({ ...input, plan: planNode(input.intent, input.facts, ca, now) });
    } catch (error) {
      problems.push({ node: input.intent.node, error: nodeError(error, input.intent.node) });
    }
  }
  return { plan: { createdAt: now, nodes: planned.map((p) => p.plan), problems }, planned };
}

function planNode(intent: NodeIntent, facts: NodeFacts, ca: CaState, now: Date): NodePlan {
  const current = facts.configXml ?? '';
  const listenerName =
    intent.config.kind === 'tls' ? intent.config.tls.listener.name : intent.config.listener.name;
  const listener = readTlsListener(current, listenerName);
  if (intent.config.kind === 'keep' && !listener) {
    throw new DeployTlsError(`has no <tls-tcp-listener> named ${listenerName}: nothing to rotate`, {
      hint: 'roll mutual TLS out first: deploy-tls --inventory FILE',
      exitCode: 2,
    });
  }
  const issueReasons = certificateReasons(intent, facts, now);
  const truststoreReason = truststoreDiffers(ca, facts);
  const config = configChange(intent.configPath, current, desiredConfig(current, intent));
  const replaceKeystore = issueReasons.length > 0;
  const deployed = facts.keystore.certificate;
  const restartReason = config.changed
    ? undefined
    : notInEffect(facts, listener !== undefined, replaceKeystore ? undefined : deployed?.serial);
  // A pending hot reload is finished by watching for it (HiveMQ re-hashes on its own); anything
  // else not in effect needs a restart.
  const finishReload = !config.changed && facts.pending?.action === 'hot-reload';
  const action: NodeAction =
    (config.changed || restartReason) && !finishReload
      ? 'restart'
      : replaceKeystore || truststoreReason || restartReason
        ? 'hot-reload'
        : 'none';
  const listenerPort =
    intent.config.kind === 'tls' ? intent.config.tls.listener.port : intent.config.listener.port;
  // Served, ours, and what the keystore holds, but missing from the ledger (a run killed after the
  // write): recorded, not re-issued.
  const served = facts.served?.kind === 'serial' ? facts.served.serial : undefined;
  const recordServed =
    action === 'none' &&
    deployed?.issuedByCa &&
    served === deployed.serial &&
    ca.recorded[intent.node] !== served
      ? served
      : undefined;
  return {
    node: intent.node,
    issueReasons,
    current: deployed,
    replaceKeystore,
    replaceTruststore: truststoreReason !== undefined,
    truststoreReason,
    config,
    servedBefore:
      listener && deployed ? { serial: deployed.serial, port: listener.port ?? listenerPort } : undefined,
    restartReason,
    pending: facts.pending,
    recordServed,
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
 * Files can be right while the broker runs something else: HiveMQ reads config.xml only at start.
 * A change an earlier run never confirmed, a listener that does not answer, or a served serial
 * other than the keystore's all mean the files on disk are not in effect; a restart loads them.
 */
function notInEffect(facts: NodeFacts, hasListener: boolean, keystoreSerial: string | undefined) {
  if (facts.pending) {
    const { started, serial } = facts.pending;
    return `finish an interrupted change (started ${started}, serial ${serial}): its files are installed, deploy-tls never saw them served`;
  }
  if (!hasListener || !facts.served) return undefined;
  if (facts.served.kind === 'refused')
    return 'the TLS listener in config.xml refuses connections: the broker has not loaded it';
  if (facts.served.kind === 'serial' && keystoreSerial && facts.served.serial !== keystoreSerial)
    return `it serves ${facts.served.serial} while its keystore holds ${keystoreSerial}`;
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
  const have = new Set(truststore.certificates);
  const missing = ca.trusted.filter((fingerprint) => !have.has(fingerprint));
  if (missing.length > 0 || have.size !== ca.trusted.length) return 'it does not hold exactly our CA chain';
  return undefined;
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
