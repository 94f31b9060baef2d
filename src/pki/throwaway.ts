// A client identity from a CA nobody trusts, made in memory for the "foreign CA" check and
// forgotten after it: proves a broker refuses certificates that do not chain to our root.

import { randomSerial } from './ca.js';
import { signCertificate } from './certificate.js';
import { generateKey, plainPrivateKeyPem } from './keys.js';
import { validity } from './profiles.js';

export async function foreignClientIdentity(now: Date): Promise<{ cert: string; key: string }> {
  // EC keys: a throwaway identity needs no RSA, and P-256 keys take a millisecond.
  const [caKey, clientKey] = await Promise.all([generateKey('ecdsa-p256'), generateKey('ecdsa-p256')]);
  const root = await signCertificate({
    profile: 'root',
    subject: { O: 'deploy-tls foreign CA', CN: 'Foreign Root CA' },
    publicKey: caKey.publicKey,
    signingKey: caKey.privateKey,
    serial: randomSerial(),
    ...validity(now, 1),
  });
  const client = await signCertificate({
    profile: 'client',
    subject: { O: 'deploy-tls foreign CA', CN: 'foreign-client' },
    publicKey: clientKey.publicKey,
    signingKey: caKey.privateKey,
    issuer: root,
    serial: randomSerial(),
    ...validity(now, 1),
  });
  return {
    cert: `${client.toString('pem')}\n${root.toString('pem')}\n`,
    key: plainPrivateKeyPem(clientKey.privateKey),
  };
}
