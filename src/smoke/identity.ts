// The client certificate deploy-tls itself uses for its mutual-TLS checks. Issued once by the
// CA like any client, under a name reserved for it, kept (key encrypted) in the CA directory with
// the other leaves, renewed when it runs short.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readCaCertificates } from '../pki/ca.js';
import {
  type CaLayout,
  type CertificateAuthority,
  caLayout,
  findLeaf,
  plainPrivateKeyPem,
  readLeafKey,
  SMOKE_LEAF_NAME,
} from '../pki/index.js';
import type { Secret } from '../secret.js';
import type { ClientIdentity } from './tls-probe.js';

export const SMOKE_CLIENT = SMOKE_LEAF_NAME;
const MIN_DAYS_LEFT = 30; // renew well before a check could fail for the checker's own expiry

/** The smoke identity if the CA holds a usable one; reads only, so it needs no CA lock. */
export async function readSmokeIdentity(
  dir: string,
  password: Secret,
  now: Date,
): Promise<ClientIdentity | undefined> {
  const layout = caLayout(dir);
  const { intermediate } = await readCaCertificates(layout);
  const intermediatePem = intermediate.toString('pem');
  const leaf = await findLeaf(layout, SMOKE_CLIENT, {
    profile: 'client',
    issuer: intermediate,
    now,
    minDaysLeft: MIN_DAYS_LEFT,
  });
  if (leaf) {
    const key = await readLeafKey(leaf.keyPath, password);
    return identity(leaf.certificate.toString('pem'), intermediatePem, plainPrivateKeyPem(key));
  }
  return readEarlierSmokeIdentity(layout, intermediatePem, password, now);
}

/**
 * Earlier versions kept the smoke identity under unsuffixed names; a CA they used still checks
 * with it until the next rollout issues one in the current layout. Read only: nothing is moved.
 */
async function readEarlierSmokeIdentity(
  layout: CaLayout,
  intermediatePem: string,
  password: Secret,
  now: Date,
): Promise<ClientIdentity | undefined> {
  const certPath = join(layout.intermediateDir, 'certs', `${SMOKE_CLIENT}.cert.pem`);
  const keyPath = join(layout.intermediateDir, 'private', `${SMOKE_CLIENT}.key.pem`);
  const certPem = await readFile(certPath, 'utf8').catch(() => undefined);
  if (!certPem || !usable(certPem, intermediatePem, now)) return undefined;
  const key = await readLeafKey(keyPath, password);
  return identity(certPem, intermediatePem, plainPrivateKeyPem(key));
}

/** Reads the smoke identity or issues a fresh one from the open CA. */
export async function smokeIdentity(
  ca: CertificateAuthority,
  password: Secret,
  now: Date,
): Promise<ClientIdentity> {
  const existing = await readSmokeIdentity(ca.layout.dir, password, now);
  if (existing) return existing;
  const issued = await ca.issue({
    profile: 'client',
    name: SMOKE_CLIENT,
    subject: ca.leafSubject(SMOKE_CLIENT),
    now,
    smokeIdentity: true,
  });
  return identity(
    issued.certificate.toString('pem'),
    ca.intermediate.toString('pem'),
    plainPrivateKeyPem(issued.privateKey),
  );
}

function identity(certPem: string, intermediatePem: string, keyPem: string): ClientIdentity {
  return { cert: `${certPem.trimEnd()}\n${intermediatePem.trimEnd()}\n`, key: keyPem };
}

function usable(certPem: string, intermediatePem: string, now: Date): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const intermediate = new X509Certificate(intermediatePem);
    const daysLeft = (new Date(cert.validTo).getTime() - now.getTime()) / 86_400_000;
    return daysLeft > MIN_DAYS_LEFT && cert.checkIssued(intermediate) && cert.verify(intermediate.publicKey);
  } catch {
    return false; // a damaged file is no identity; a fresh one is issued
  }
}
