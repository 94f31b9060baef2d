// The certificates a file holds, grouped as the file groups them: one group per keystore entry, or
// one group for all the certificates of a PEM/DER file (a chain, leaf first, as servers send it).
import type { X509Certificate } from 'node:crypto';
import { InputError, KeystoreError } from '../errors.js';
import { decodeJks, decodePkcs12 } from '../keystore/index.js';
import type { Secret } from '../secret.js';
import { parseCertificate } from './certificate.js';
import { type FileFormat, pemBlocks } from './target.js';

export interface CertificateGroup {
  /** The keystore alias; absent for PEM/DER files. */
  alias?: string;
  kind: 'private-key' | 'trusted-cert' | 'certificates';
  certificates: X509Certificate[];
}

export interface FileContents {
  format: Exclude<FileFormat, 'jceks'>;
  groups: CertificateGroup[];
  /** PEM files only: a private key block is there (never read, never printed). */
  privateKey?: 'encrypted' | 'unencrypted';
}

/** True when reading `format` needs the store password. */
export function needsPassword(format: FileFormat): boolean {
  return format === 'jks' || format === 'pkcs12';
}

export function readFileContents(
  file: string,
  bytes: Uint8Array,
  format: FileFormat,
  password: Secret | undefined,
): FileContents {
  if (format === 'jceks') {
    throw new KeystoreError(`${file} is a JCEKS store, which deploy-tls does not read`, {
      hint: `convert it: keytool -importkeystore -srckeystore ${file} -deststoretype PKCS12 -destkeystore out.p12`,
    });
  }
  if (format === 'jks' || format === 'pkcs12') {
    if (!password)
      throw new KeystoreError(
        `${file} is a ${format === 'jks' ? 'JKS' : 'PKCS#12'} store: its password is needed`,
      );
    const store = withFile(file, () =>
      format === 'jks' ? decodeJks(bytes, password.reveal()) : decodePkcs12(bytes, password.reveal()),
    );
    return {
      format,
      groups: store.entries.map((entry, i) => {
        const where = `${file}: entry "${entry.alias}"`;
        const ders = entry.kind === 'private-key' ? entry.chain : [entry.certificate];
        return {
          alias: entry.alias,
          kind: entry.kind,
          certificates: ders.map((der, c) =>
            parseCertificate(der, `${where} (certificate ${c + 1}, entry ${i + 1})`),
          ),
        };
      }),
    };
  }
  if (format === 'der') {
    return { format, groups: [{ kind: 'certificates', certificates: [parseCertificate(bytes, file)] }] };
  }
  const text = Buffer.from(bytes).toString('utf8');
  const blocks = pemBlocks(text);
  const certificates = blocks
    .filter((block) => block.label === 'CERTIFICATE')
    .map((block, i) => parseCertificate(block.der, `${file}: certificate ${i + 1}`));
  if (certificates.length === 0) {
    throw new InputError(`${file} holds no PEM certificate`, {
      hint: 'inspect reads -----BEGIN CERTIFICATE----- blocks, JKS and PKCS#12 stores',
    });
  }
  return {
    format,
    groups: [{ kind: 'certificates', certificates }],
    privateKey: privateKeyIn(text),
  };
}

/** Keystore errors say "wrong store password"; say which file, too. */
function withFile<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof KeystoreError) {
      throw new KeystoreError(`${file}: ${error.message}`, { hint: error.hint, cause: error.cause ?? error });
    }
    throw error;
  }
}

/** PKCS#8 "ENCRYPTED PRIVATE KEY", or a traditional "RSA PRIVATE KEY" with a Proc-Type ENCRYPTED header. */
function privateKeyIn(text: string): FileContents['privateKey'] {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) return undefined;
  return /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: *4, *ENCRYPTED/.test(text)
    ? 'encrypted'
    : 'unencrypted';
}
