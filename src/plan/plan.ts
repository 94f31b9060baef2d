// buildPlan: pure. Given what nodes and the CA hold now and what the inventory asks for, say per
// node what to change and why. The same inputs give the same plan; a deployed fleet plans nothing.
import type {
  CaState,
  DeployedCertificate,
  NodeAction,
  NodeFacts,
  NodeIntent,
  NodePlan,
  Plan,
} from './types.js';

const DAY_MS = 86_400_000;

export function buildPlan(
  intents: readonly NodeIntent[],
  ca: CaState,
  facts: readonly NodeFacts[],
  now: Date,
): Plan {
  const byNode = new Map(facts.map((fact) => [fact.node, fact]));
  return {
    createdAt: now,
    nodes: intents.map((intent) => {
      const fact = byNode.get(intent.node);
      if (!fact) throw new Error(`no facts for node ${intent.node}`);
      return planNode(intent, ca, fact, now);
    }),
  };
}

function planNode(intent: NodeIntent, ca: CaState, fact: NodeFacts, now: Date): NodePlan {
  const issueReasons = certificateReasons(intent, fact, now);
  const truststoreReason = truststoreDiffers(ca, fact);
  const current = fact.configXml ?? '';
  const desired = intent.desiredConfig(current);
  const changed = desired !== current;
  const replaceKeystore = issueReasons.length > 0;
  const action: NodeAction = changed
    ? 'restart'
    : replaceKeystore || truststoreReason
      ? 'hot-reload'
      : 'none';
  return {
    node: intent.node,
    issueReasons,
    current: fact.keystore.certificate,
    replaceKeystore,
    replaceTruststore: truststoreReason !== undefined,
    truststoreReason,
    config: { path: intent.configPath, current, desired, changed },
    action,
  };
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
  const left = cert.notAfter.getTime() - now.getTime();
  const window = renewWindowMs(intent.renewBefore, cert);
  if (left <= 0) reasons.push(`expired on ${cert.notAfter.toISOString().slice(0, 10)}`);
  else if (left <= window)
    reasons.push(`expires in ${Math.floor(left / DAY_MS)} days (renew ${intent.renewBefore} before)`);
  return reasons;
}

/** "30d" is days before expiry; "33%" is that share of the certificate's whole lifetime. */
export function renewWindowMs(
  renewBefore: string,
  cert: Pick<DeployedCertificate, 'notBefore' | 'notAfter'>,
): number {
  const match = /^(\d+)(d|%)$/.exec(renewBefore);
  if (!match) throw new Error(`not a renewal window: ${renewBefore}`);
  const amount = Number(match[1]);
  if (match[2] === 'd') return amount * DAY_MS;
  return ((cert.notAfter.getTime() - cert.notBefore.getTime()) * amount) / 100;
}

function truststoreDiffers(ca: CaState, fact: NodeFacts): string | undefined {
  const { truststore } = fact;
  if (!truststore.exists) return 'no truststore yet';
  if (!truststore.opens) return "the truststore does not open with the inventory's password";
  const have = new Set(truststore.certificates);
  const missing = ca.chain.filter((fingerprint) => !have.has(fingerprint));
  if (missing.length > 0 || have.size !== ca.chain.length) return 'it does not hold exactly our CA chain';
  return undefined;
}
