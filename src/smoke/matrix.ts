// The verification matrix for one node: what must work (served chain, mutual-TLS MQTT 5 and
// 3.1.1, the configured TLS versions) and what must fail (no client certificate, a foreign CA,
// a name outside the SAN, TLS 1.0/1.1). A negative check that succeeds is a failure.
import type { SecureVersion } from 'node:tls';
import { classifyFailure, type FailureClass } from './classify.js';
import { connect, mqttRoundTrip, type Transport } from './mqtt-check.js';
import { type ClientIdentity, probeTls } from './tls-probe.js';

export interface ExpectedCertificate {
  serial: string;
  sans: string[];
  notAfter: string; // ISO
}

export interface MatrixTarget {
  node: string;
  /** The listener's name, when the node has several: it goes into every check's name. */
  listener?: string;
  address: string;
  port: number;
  /**
   * The listener's transport (default tcp). The TLS checks (served chain, versions) are the same
   * for both, since a tls-websocket-listener speaks TLS first; the MQTT checks, positive and
   * negative, go over mqtts:// or wss://host:port/path.
   */
  transport?: Transport;
  host: string;
  ca: string;
  client: ClientIdentity;
  foreignClient: ClientIdentity;
  /** What the ledger says was deployed; undefined when nothing was. */
  expected?: ExpectedCertificate;
  protocols: readonly ('TLSv1.2' | 'TLSv1.3')[];
  timeoutMs: number;
  /** For days left. */
  now: Date;
}

export interface CheckResult {
  node: string;
  check: string;
  ok: boolean;
  /** What happened, in a few words: "served 5951EB…", "refused: certificate required". */
  observed: string;
  failure?: FailureClass;
  hint?: string;
  ms?: number;
}

type Check = (target: MatrixTarget) => Promise<Omit<CheckResult, 'node' | 'check'>>;

export const CHECKS: [string, Check][] = [
  ['served chain is the deployed one', servedChain],
  ['mTLS MQTT 5 round trip', (t) => roundTrip(t, 5)],
  ['mTLS MQTT 3.1.1 round trip', (t) => roundTrip(t, 4)],
  ['refused without a client certificate', (t) => mustRefuse(t, { ...t, client: undefined })],
  ['refused with a foreign CA certificate', (t) => mustRefuse(t, { ...t, client: t.foreignClient })],
  [
    'refused for a name outside the SAN',
    (t) => mustRefuse(t, { ...t, host: `not-${t.host.replace(/^\*\./, 'x.')}.invalid` }),
  ],
  ['TLS 1.0 refused', (t) => version(t, 'TLSv1', false)],
  ['TLS 1.1 refused', (t) => version(t, 'TLSv1.1', false)],
  ['TLS 1.2 as configured', (t) => version(t, 'TLSv1.2', t.protocols.includes('TLSv1.2'))],
  ['TLS 1.3 as configured', (t) => version(t, 'TLSv1.3', t.protocols.includes('TLSv1.3'))],
];

/**
 * A check's name for this target: a node's only tcp listener keeps the names verify has always
 * printed; a websocket listener adds "wss PATH", and a node with several listeners their names.
 */
export function checkLabel(check: string, target: Pick<MatrixTarget, 'transport' | 'listener'>): string {
  const transport = target.transport;
  const parts = [
    ...(target.listener ? [target.listener] : []),
    ...(transport?.type === 'websocket' ? [`wss ${transport.path}`] : []),
  ];
  return parts.length > 0 ? `${check} (${parts.join(', ')})` : check;
}

/**
 * The TLS versions a listener accepts: the ones config.xml lists, or, with no <protocols> (an
 * empty tls.protocols), the JVM's defaults that HiveMQ then keeps (CE SslUtil passes no protocols
 * to Netty; Java 11+ disables TLS 1.0 and 1.1 in java.security's jdk.tls.disabledAlgorithms and
 * enables 1.3 and 1.2; CE logs them as "Enabled protocols for … [TLSv1.3, TLSv1.2]").
 */
export function effectiveProtocols(
  protocols: readonly ('TLSv1.2' | 'TLSv1.3')[],
): readonly ('TLSv1.2' | 'TLSv1.3')[] {
  return protocols.length > 0 ? protocols : ['TLSv1.3', 'TLSv1.2'];
}

export async function runMatrix(target: MatrixTarget): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const [name, run] of CHECKS) {
    const check = checkLabel(name, target);
    try {
      results.push({ node: target.node, check, ...(await run(target)) });
    } catch (error) {
      const classified = classifyFailure(error);
      results.push({
        node: target.node,
        check,
        ok: false,
        observed: classified.summary,
        failure: classified.class,
        hint: classified.hint,
      });
    }
  }
  return results;
}

async function servedChain(t: MatrixTarget) {
  const served = await probeTls({ ...t, timeoutMs: t.timeoutMs });
  const ms = served.handshakeMs;
  if (!served.trusted)
    return {
      ok: false,
      observed: `chain not trusted: ${served.trustError}`,
      failure: 'tls-unknown-ca' as const,
      ms,
    };
  if (!served.nameMatches)
    return { ok: false, observed: `does not cover ${t.host}`, failure: 'tls-name-mismatch' as const, ms };
  if (!t.expected) {
    return {
      ok: false,
      observed: `serves ${served.serial}, but the ledger records no deployment`,
      hint: 'deploy with deploy-tls --inventory first',
      ms,
    };
  }
  const problems: string[] = [];
  if (served.serial !== t.expected.serial)
    problems.push(`serial ${served.serial} ≠ deployed ${t.expected.serial}`);
  if ([...served.sans].sort().join() !== [...t.expected.sans].sort().join())
    problems.push(`SANs ${served.sans.join(', ')} ≠ deployed`);
  if (served.notAfter.toISOString() !== new Date(t.expected.notAfter).toISOString())
    problems.push('notAfter differs from the ledger');
  if (problems.length > 0)
    return {
      ok: false,
      observed: problems.join('; '),
      hint: 'the node serves something else than deploy-tls recorded: deploy again',
      ms,
    };
  const days = Math.floor((served.notAfter.getTime() - t.now.getTime()) / 86_400_000);
  return { ok: true, observed: `serial ${served.serial}, ${served.protocol}, ${days} days left`, ms };
}

async function roundTrip(t: MatrixTarget, protocolVersion: 4 | 5) {
  const trip = await mqttRoundTrip({ ...t, protocolVersion, timeoutMs: t.timeoutMs });
  return {
    ok: true,
    observed: `connect ${trip.connectMs} ms, publish→receive ${trip.roundTripMs} ms`,
    ms: trip.roundTripMs,
  };
}

/** Connects as a real client would; success means the negative check failed. */
async function mustRefuse(
  t: MatrixTarget,
  attempt: Omit<MatrixTarget, 'client'> & { client?: ClientIdentity },
) {
  try {
    const client = await connect({ ...attempt, protocolVersion: 5, timeoutMs: t.timeoutMs });
    await client.endAsync(true);
    return {
      ok: false,
      observed: 'accepted: the connection got a CONNACK',
      hint: 'check client-authentication-mode (REQUIRED) and the truststore on the node',
    };
  } catch (error) {
    const classified = classifyFailure(error);
    const code = (error as { code?: string }).code;
    return { ok: true, observed: `refused: ${classified.summary}${code ? ` (${code})` : ''}` };
  }
}

async function version(t: MatrixTarget, tls: SecureVersion, shouldWork: boolean) {
  try {
    const served = await probeTls({
      ...t,
      minVersion: tls,
      maxVersion: tls,
      timeoutMs: t.timeoutMs,
      allowLegacy: true,
    });
    return shouldWork
      ? { ok: true, observed: `negotiated ${served.protocol}`, ms: served.handshakeMs }
      : {
          ok: false,
          observed: `negotiated ${served.protocol}`,
          hint: 'remove old protocols from tls.protocols',
        };
  } catch (error) {
    const classified = classifyFailure(error);
    return shouldWork
      ? { ok: false, observed: classified.summary, failure: classified.class, hint: classified.hint }
      : { ok: true, observed: `refused (${classified.class})` };
  }
}
