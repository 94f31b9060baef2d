// Checks entries before they are written: a store that Java loads but cannot use (a key that does
// not match its certificate, a PKCS#1 key, an empty chain) would only fail later, on the node.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { KeystoreError } from '../errors.js';
import type { KeystoreEntry } from './types.js';

function parseCertificate(der: Uint8Array, where: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (cause) {
    throw new KeystoreError(`${where} is not a DER X.509 certificate`, { cause });
  }
}

/** Throws KeystoreError on the first unusable entry, and on aliases that collide after `normalise`. */
export function validateEntries(entries: KeystoreEntry[], normalise: (alias: string) => string): void {
  const seen = new Set<string>();
  for (const entry of entries) {
    const alias = normalise(entry.alias);
    if (alias.length === 0) throw new KeystoreError('a keystore entry has an empty alias');
    if (seen.has(alias)) {
      throw new KeystoreError(`duplicate keystore alias "${alias}"`, {
        hint: 'Java compares keystore aliases case-insensitively; give each entry its own alias',
      });
    }
    seen.add(alias);
    if (entry.kind === 'trusted-cert') {
      parseCertificate(entry.certificate, `certificate "${entry.alias}"`);
      continue;
    }
    const [leaf] = entry.chain;
    if (leaf === undefined)
      throw new KeystoreError(`key entry "${entry.alias}" has an empty certificate chain`);
    const certs = entry.chain.map((der, i) => parseCertificate(der, `certificate ${i} of "${entry.alias}"`));
    let key: ReturnType<typeof createPrivateKey>;
    try {
      key = createPrivateKey({ key: Buffer.from(entry.privateKeyPkcs8), format: 'der', type: 'pkcs8' });
    } catch (cause) {
      throw new KeystoreError(`key of "${entry.alias}" is not an unencrypted PKCS#8 DER private key`, {
        hint: 'convert it with: openssl pkcs8 -topk8 -nocrypt -outform DER',
        cause,
      });
    }
    if (!certs[0]?.checkPrivateKey(key)) {
      throw new KeystoreError(`key of "${entry.alias}" does not match its leaf certificate`, {
        hint: 'the chain must start with the certificate issued for this key',
      });
    }
  }
}
