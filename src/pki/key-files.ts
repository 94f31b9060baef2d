// Private key files at rest in the CA directory: read, refused when unencrypted, decrypted with the
// CA password. Every CA and leaf key goes through here, so every one gets the same checks and messages.
import type { KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CaError } from '../errors.js';
import type { Secret } from '../secret.js';
import { decryptPrivateKeyPem, isEncryptedPem } from './keys.js';

export interface KeyFileRole {
  /** "the intermediate key", "the root key", "the key of broker1" */
  what: string;
  /** What the directory must hold, for the hint when the file cannot be read. */
  expected?: string;
}

export async function readKeyFile(path: string, password: Secret, role: KeyFileRole): Promise<KeyObject> {
  const pem = await readFile(path, 'utf8').catch((cause) => {
    throw new CaError(`cannot read ${role.what} ${path}`, {
      hint: role.expected ?? 'run as the owner of the CA directory',
      cause,
    });
  });
  // An unencrypted PEM opens with any password: the CA password would go unchecked, and keys
  // encrypted with a mistyped one later could never be opened again.
  if (!isEncryptedPem(pem)) {
    throw new CaError(`${path} is not encrypted: refusing to use ${role.what} stored in the clear`, {
      hint: `encrypt it with the CA password: openssl pkey -in ${path} -aes256 -out ${path}.enc, check it, then move ${path}.enc over ${path} (mode 0400)`,
    });
  }
  try {
    return decryptPrivateKeyPem(pem, password);
  } catch (cause) {
    throw new CaError(`cannot decrypt ${path}: wrong CA password`, {
      hint: `the password came from ${password.origin}; give the one the CA was created with`,
      cause,
    });
  }
}
