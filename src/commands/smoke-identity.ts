// The client certificate deploy-tls itself uses for its mutual-TLS checks. Issued once by the
// CA like any client, kept (key encrypted) in the CA directory, renewed when it runs short.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type CertificateAuthority, plainPrivateKeyPem, subjectFromJsonName } from '../pki/index.js';
import type { ClientIdentity } from '../smoke/tls-probe.js';
import { pem } from './bundle.js';

export const SMOKE_CLIENT = 'deploy-tls-smoke';
const MIN_DAYS_LEFT = 30; // renew well before a check could fail for the checker's own expiry

export async function smokeIdentity(ca: CertificateAuthority, now: Date): Promise<ClientIdentity> {
  const intermediatePem = pem('CERTIFICATE', ca.caChain[0] as Uint8Array);
  const existing = await readFile(ca.layout.leafCert(SMOKE_CLIENT), 'utf8').catch(() => undefined);
  if (existing && usable(existing, ca, now)) {
    const key = await ca.readLeafKey(SMOKE_CLIENT);
    return { cert: `${existing.trimEnd()}\n${intermediatePem}`, key: plainPrivateKeyPem(key) };
  }
  const { C, ST, L, O, OU } = subjectFromJsonName(ca.intermediate.subjectName.toJSON());
  const issued = await ca.issue({
    profile: 'client',
    name: SMOKE_CLIENT,
    subject: { C, ST, L, O, OU, CN: SMOKE_CLIENT },
    now,
  });
  return {
    cert: `${issued.certificate.toString('pem').trimEnd()}\n${intermediatePem}`,
    key: plainPrivateKeyPem(issued.privateKey),
  };
}

function usable(certPem: string, ca: CertificateAuthority, now: Date): boolean {
  const cert = new X509Certificate(certPem);
  const intermediate = new X509Certificate(ca.intermediate.toString('pem'));
  const daysLeft = (new Date(cert.validTo).getTime() - now.getTime()) / 86_400_000;
  return daysLeft > MIN_DAYS_LEFT && cert.checkIssued(intermediate) && cert.verify(intermediate.publicKey);
}
