// The client certificate deploy-tls itself uses for its mutual-TLS checks. Issued once by the
// CA like any client, kept (key encrypted) in the CA directory, renewed when it runs short.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { readCaKey } from '../pki/ca.js';
import { type CertificateAuthority, caLayout, plainPrivateKeyPem } from '../pki/index.js';
import type { Secret } from '../secret.js';
import type { ClientIdentity } from './tls-probe.js';

export const SMOKE_CLIENT = 'deploy-tls-smoke';
const MIN_DAYS_LEFT = 30; // renew well before a check could fail for the checker's own expiry

/** The smoke identity if the CA holds a usable one; reads only, so it needs no CA lock. */
export async function readSmokeIdentity(
  dir: string,
  password: Secret,
  now: Date,
): Promise<ClientIdentity | undefined> {
  const layout = caLayout(dir);
  const certPem = await readFile(layout.leafCert(SMOKE_CLIENT), 'utf8').catch(() => undefined);
  const intermediatePem = await readFile(layout.intermediateCert, 'utf8');
  if (!certPem || !usable(certPem, intermediatePem, now)) return undefined;
  const key = await readCaKey(layout.leafKey(SMOKE_CLIENT), password);
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
  const cert = new X509Certificate(certPem);
  const intermediate = new X509Certificate(intermediatePem);
  const daysLeft = (new Date(cert.validTo).getTime() - now.getTime()) / 86_400_000;
  return daysLeft > MIN_DAYS_LEFT && cert.checkIssued(intermediate) && cert.verify(intermediate.publicKey);
}
