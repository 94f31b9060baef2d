// The CA as the rollout sees it. Before planning: its public state (the active intermediate, and
// what broker truststores must hold), read without lock or password. Before applying: the CA opened
// to issue (password checked, lock held) with the client certificate the health gate presents.
import { X509Certificate } from 'node:crypto';
import { sha256Hex } from '../facts/keystores.js';
import type { Inventory } from '../inventory/load.js';
import { readCaCertificates } from '../pki/ca.js';
import { type CaLayout, CertificateAuthority, caLayout, pemChain } from '../pki/index.js';
import { readRolloverState, rolloverCertificates } from '../pki/rollover.js';
import type { Secret } from '../secret.js';
import { smokeIdentity } from '../smoke/identity.js';
import type { ClientIdentity } from '../smoke/tls-probe.js';

export interface TrustState {
  /** The issuing intermediate: a deployed leaf is ours when it verifies against it. */
  intermediate: X509Certificate;
  /** Intermediate and root, PEM: what a served chain must lead to. */
  chainPem: string;
  /** DER certificates broker truststores must hold exactly. */
  trusted: readonly Uint8Array[];
  /** Their SHA-256 fingerprints, as the plan compares them. */
  fingerprints: string[];
}

/**
 * Truststores hold the issuing intermediate only, unless a rollover says more: the phase given
 * (`trust`, from `ca rollover`), or a rollover paused at "trusted" or "reissued" (rollover.json),
 * whose overlap every other command keeps: a plain rotation must not drop an intermediate that
 * clients still use.
 */
export async function readTrust(dir: string, trust: readonly Uint8Array[] | undefined): Promise<TrustState> {
  const layout = caLayout(dir);
  const { root, intermediate } = await readCaCertificates(layout);
  const trusted = trust ?? (await rolloverTrust(layout)) ?? [new Uint8Array(intermediate.rawData)];
  return {
    intermediate: new X509Certificate(intermediate.toString('pem')),
    chainPem: pemChain([intermediate, root]),
    trusted,
    fingerprints: trusted.map(sha256Hex),
  };
}

async function rolloverTrust(layout: CaLayout): Promise<Uint8Array[] | undefined> {
  const state = await readRolloverState(layout);
  if (state?.phase !== 'trusted' && state?.phase !== 'reissued') return undefined;
  const { next, old } = await rolloverCertificates(layout, state);
  return [next, old];
}

export interface Issuer {
  ca: CertificateAuthority;
  /** deploy-tls's own client certificate, for the mutual-TLS round trip of the gate. */
  smoke: ClientIdentity;
  /** Intermediate and root, PEM: what a served chain must lead to. */
  chainPem: string;
}

/** Opens the CA to issue: the password is checked before the lock is taken. Close it with ca.close(). */
export async function openIssuer(inventory: Inventory, password: Secret, now: Date): Promise<Issuer> {
  const ca = await CertificateAuthority.open({
    dir: inventory.ca.dir,
    password,
    command: 'deploy-tls rollout',
    now,
  });
  try {
    const smoke = await smokeIdentity(ca, password, now);
    return { ca, smoke, chainPem: pemChain([ca.intermediate, ca.root]) };
  } catch (error) {
    await ca.close();
    throw error;
  }
}
