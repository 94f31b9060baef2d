// What a node or a client receives: keystore, truststore and PEM files, as bytes and names.
// Pure: the caller decides where the files go.
import { X509Certificate } from 'node:crypto';
import {
  encodeKeyStore,
  encodeTrustStore,
  type KeystoreFormat,
  type Pkcs12Profile,
  type StorePasswords,
} from '../keystore/index.js';
import {
  derToPem,
  encryptPrivateKeyPem,
  type IssuedCertificate,
  plainPrivateKeyPem,
  privateKeyPkcs8,
} from '../pki/index.js';

export interface BundleFile {
  name: string;
  data: string | Uint8Array;
  mode: number;
}

export interface BundleOptions {
  format: KeystoreFormat;
  pkcs12Profile?: Pkcs12Profile;
  passwords: StorePasswords;
  now: Date;
}

const PRIVATE = 0o600; // holds a private key
const PUBLIC = 0o644;

export function keystoreExtension(format: KeystoreFormat): string {
  return format === 'jks' ? 'jks' : 'p12';
}

/**
 * Truststore entries. A broker's truststore (it judges client certificates) holds the issuing
 * intermediate only, as the article does: trusting the root would accept certificates of every
 * intermediate the root ever signed, so an intermediate could never be dropped. During a rollover
 * it holds the new and the old one. A client's truststore (it judges brokers) holds the
 * intermediate and the root. Aliases come from the role and serial: unique and stable.
 */
export function truststoreBytes(trusted: readonly Uint8Array[], options: BundleOptions): Uint8Array {
  const entries = trusted.map((certificate) => {
    const cert = new X509Certificate(certificate);
    const role = cert.issuer === cert.subject ? 'root-ca' : 'intermediate-ca';
    return {
      kind: 'trusted-cert' as const,
      alias: `${role}-${cert.serialNumber.slice(0, 16).toLowerCase()}`,
      certificate,
    };
  });
  return encodeTrustStore(options.format, entries, options.passwords, {
    profile: options.pkcs12Profile,
    now: options.now,
  });
}

export function keystoreBytes(issued: IssuedCertificate, options: BundleOptions): Uint8Array {
  const entry = {
    kind: 'private-key' as const,
    alias: issued.name,
    privateKeyPkcs8: privateKeyPkcs8(issued.privateKey),
    chain: issued.chain,
  };
  return encodeKeyStore(options.format, entry, options.passwords, {
    profile: options.pkcs12Profile,
    now: options.now,
  });
}

function chainPem(issued: IssuedCertificate): string {
  return issued.chain.slice(1).map(derToPem).join('');
}

/** A HiveMQ node's files, named as the article names them. */
export function nodeBundle(issued: IssuedCertificate, options: BundleOptions): BundleFile[] {
  const ext = keystoreExtension(options.format);
  return [
    { name: `hivemq-keystore.${ext}`, data: keystoreBytes(issued, options), mode: PRIVATE },
    {
      name: `hivemq-truststore.${ext}`,
      data: truststoreBytes(issued.chain.slice(1, 2), options),
      mode: PUBLIC,
    },
    { name: `${issued.name}.cert.pem`, data: issued.certificate.toString('pem'), mode: PUBLIC },
    { name: 'ca-chain.cert.pem', data: chainPem(issued), mode: PUBLIC },
  ];
}

/**
 * A client's files: Java stores (as the article's mqtt-client files) and PEM files for mqtt.js
 * and mosquitto. The PEM key is encrypted with the keystore password unless plainKey is set,
 * for tools that cannot prompt (mosquitto_pub asks for the pass phrase on a terminal).
 */
export function clientBundle(
  issued: IssuedCertificate,
  options: BundleOptions & { plainKey: boolean; plainKeyBeside?: boolean },
): BundleFile[] {
  const ext = keystoreExtension(options.format);
  const key = options.plainKey
    ? plainPrivateKeyPem(issued.privateKey)
    : encryptPrivateKeyPem(issued.privateKey, options.passwords.keystore);
  return [
    { name: `${issued.name}-keystore.${ext}`, data: keystoreBytes(issued, options), mode: PRIVATE },
    {
      name: `${issued.name}-truststore.${ext}`,
      data: truststoreBytes(issued.chain.slice(1), options),
      mode: PUBLIC,
    },
    { name: `${issued.name}.cert.pem`, data: issued.certificate.toString('pem'), mode: PUBLIC },
    { name: `${issued.name}.key.pem`, data: key, mode: PRIVATE },
    // clients[].plainKey: the encrypted key stays, an unencrypted copy (0600) goes beside it.
    ...(options.plainKeyBeside && !options.plainKey
      ? [{ name: `${issued.name}.plain.key.pem`, data: plainPrivateKeyPem(issued.privateKey), mode: PRIVATE }]
      : []),
    { name: 'ca-chain.cert.pem', data: chainPem(issued), mode: PUBLIC },
  ];
}
