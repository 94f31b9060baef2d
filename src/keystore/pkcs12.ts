// PKCS#12 (RFC 7292) in the two shapes our readers need. Layout, as OpenSSL writes it:
//   PFX { version 3, authSafe: data { [ encryptedData(cert bags), data(shrouded key bags) ] }, macData }
import { createHash, createHmac, randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto';
import { KeystoreError } from '../errors.js';
import {
  bmpString,
  children,
  contextPrimitiveTag,
  type DerNode,
  decode,
  derNull,
  expectTag,
  explicit,
  implicitPrimitive,
  integer,
  octetString,
  oid,
  raw,
  readBmpString,
  readInteger,
  readOctetString,
  readOid,
  sequence,
  sequenceOf,
  set,
  Tag,
  unwrapExplicit,
} from './der.js';
import { OID } from './oids.js';
import {
  DIGEST_HASH,
  decryptWithAlgorithm,
  type Encrypted,
  encryptPbes2Aes256,
  encryptPkcs12TripleDes,
  type HashName,
  KdfPurpose,
  pkcs12Kdf,
  readIterations,
} from './pbe.js';
import type { DecodedKeystore, DecodedKeystoreEntry, KeystoreEntry, Pkcs12Profile } from './types.js';
import { validateEntries } from './validate.js';

const PFX_VERSION = 3; // RFC 7292: the only version
const ITERATIONS = 2048; // OpenSSL 3's pkcs12 default (PKCS12_DEFAULT_ITER) for PBE and MAC alike

interface ProfileSpec {
  encrypt(plaintext: Uint8Array, password: string): Encrypted;
  macHash: HashName;
  macDigestOid: string;
  macSaltBytes: number;
}

const PROFILES: Record<Pkcs12Profile, ProfileSpec> = {
  // What `openssl pkcs12 -export` writes in OpenSSL 3, and the algorithms Java writes by default since
  // 12 (and 11.0.12, 8u301): PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC with an HMAC-SHA256 MAC.
  modern: {
    encrypt: (plaintext, password) => encryptPbes2Aes256(plaintext, password, ITERATIONS, 16),
    macHash: 'sha256',
    macDigestOid: OID.sha256,
    macSaltBytes: 16,
  },
  // For Java before 8u301/11.0.12 ("HmacPBESHA256 not available") and OpenSSL 1.x readers. 3DES for
  // the certificates too, because RC2-40 (the old default) is gone from OpenSSL 3's default provider.
  legacy: {
    encrypt: (plaintext, password) => encryptPkcs12TripleDes(plaintext, password, ITERATIONS, 8),
    macHash: 'sha1',
    macDigestOid: OID.sha1,
    macSaltBytes: 8, // what OpenSSL 1.x writes (PKCS12_SALT_LEN)
  },
};

const HASH_BYTES: Record<HashName, number> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

// ---- encoding -----------------------------------------------------------------------------

const attribute = (type: string, value: Uint8Array): Uint8Array => sequence(oid(type), set(value));

function safeBag(bagId: string, value: Uint8Array, attributes: Uint8Array[]): Uint8Array {
  const parts = [oid(bagId), explicit(0, value)];
  if (attributes.length > 0) parts.push(set(...attributes));
  return sequence(...parts);
}

const certBag = (der: Uint8Array, attributes: Uint8Array[]): Uint8Array =>
  safeBag(OID.certBag, sequence(oid(OID.x509Certificate), explicit(0, octetString(der))), attributes);

const dataContentInfo = (content: Uint8Array): Uint8Array =>
  sequence(oid(OID.data), explicit(0, octetString(content)));

function encryptedDataContentInfo(encrypted: Encrypted): Uint8Array {
  const encryptedContentInfo = sequence(
    oid(OID.data),
    raw(encrypted.algorithm),
    implicitPrimitive(0, encrypted.ciphertext),
  );
  return sequence(oid(OID.encryptedData), explicit(0, sequence(integer(0), encryptedContentInfo)));
}

export interface Pkcs12Options {
  /** Store password; also protects the keys, because Java requires both to be equal for PKCS#12. */
  password: string;
  profile?: Pkcs12Profile;
}

/**
 * Java's PBEKey (used for every PKCS#12 cipher and MAC) refuses passwords outside printable ASCII, and
 * the JVM reports that as "keystore password was incorrect". OpenSSL accepts such stores; HiveMQ could not.
 */
const JAVA_PBE_PASSWORD = /^[\x20-\x7e]*$/;

/** Refuses a PKCS#12 password Java could not use (see JAVA_PBE_PASSWORD). */
export function checkPkcs12Password(password: string): void {
  if (!JAVA_PBE_PASSWORD.test(password)) {
    throw new KeystoreError('a PKCS#12 keystore password must be printable ASCII for Java to load it', {
      hint: 'choose a password of printable ASCII characters, or use format: jks (which accepts any)',
    });
  }
}

export function encodePkcs12(entries: KeystoreEntry[], opts: Pkcs12Options): Uint8Array {
  checkPkcs12Password(opts.password);
  // Java looks PKCS#12 aliases up case-insensitively too, though it keeps the friendlyName's case.
  validateEntries(entries, (alias) => alias.toLowerCase());
  const spec = PROFILES[opts.profile ?? 'modern'];
  const { password } = opts;
  const certBags: Uint8Array[] = [];
  const keyBags: Uint8Array[] = [];
  for (const entry of entries) {
    const friendlyName = attribute(OID.friendlyName, bmpString(entry.alias));
    if (entry.kind === 'trusted-cert') {
      // Without Oracle's trusted-key-usage attribute Java skips the bag: a certs-only store loads empty.
      const trusted = attribute(OID.javaTrustedKeyUsage, oid(OID.anyExtendedKeyUsage));
      certBags.push(certBag(entry.certificate, [friendlyName, trusted]));
      continue;
    }
    const [leaf, ...cas] = entry.chain as [Uint8Array, ...Uint8Array[]];
    // localKeyId pairs the key bag with its leaf certificate; SHA-1 of the leaf is what OpenSSL uses.
    const localKeyId = attribute(OID.localKeyId, octetString(createHash('sha1').update(leaf).digest()));
    certBags.push(certBag(leaf, [friendlyName, localKeyId]));
    for (const ca of cas) certBags.push(certBag(ca, []));
    const shrouded = spec.encrypt(entry.privateKeyPkcs8, password);
    const encryptedPrivateKeyInfo = sequence(raw(shrouded.algorithm), octetString(shrouded.ciphertext));
    keyBags.push(safeBag(OID.pkcs8ShroudedKeyBag, encryptedPrivateKeyInfo, [friendlyName, localKeyId]));
  }

  const certSafe = sequence(...certBags);
  const contentInfos = [encryptedDataContentInfo(spec.encrypt(certSafe, password))];
  if (keyBags.length > 0) contentInfos.push(dataContentInfo(sequence(...keyBags)));
  const authSafe = sequence(...contentInfos);

  const macSalt = randomBytes(spec.macSaltBytes);
  const mac = computeMac(spec.macHash, password, macSalt, ITERATIONS, authSafe);
  const macData = sequence(
    sequence(sequence(oid(spec.macDigestOid), derNull()), octetString(mac)),
    octetString(macSalt),
    integer(ITERATIONS),
  );
  return new Uint8Array(sequence(integer(PFX_VERSION), dataContentInfo(authSafe), macData));
}

function computeMac(
  hash: HashName,
  password: string,
  salt: Uint8Array,
  iterations: number,
  data: Uint8Array,
): Buffer {
  const key = pkcs12Kdf(hash, password, salt, iterations, KdfPurpose.mac, HASH_BYTES[hash]);
  return createHmac(hash, key).update(data).digest();
}

// ---- decoding -----------------------------------------------------------------------------

interface Bag {
  friendlyName?: string;
  localKeyId?: string; // hex
  trusted: boolean;
}
interface CertBag extends Bag {
  der: Uint8Array;
}
interface KeyBag extends Bag {
  /** Encrypted (pkcs8ShroudedKeyBag) or plain (keyBag). */
  encrypted?: DerNode;
  plain?: Uint8Array;
}

function wrongPassword(cause?: unknown): KeystoreError {
  return new KeystoreError('PKCS#12 keystore: wrong password, or the file is corrupt', {
    hint: 'check the keystore password (for PKCS#12 the key password is the store password)',
    cause,
  });
}

function verifyMac(macData: DerNode | undefined, authSafe: Uint8Array, password: string): void {
  if (macData === undefined) {
    throw new KeystoreError('PKCS#12 keystore has no integrity MAC, so its password cannot be checked', {
      hint: 'rewrite it with a password: openssl pkcs12 -export or keytool -importkeystore',
    });
  }
  const [digestInfo, saltNode, iterationsNode] = sequenceOf(macData, 'MacData');
  const [algorithm, digest] = sequenceOf(digestInfo, 'MAC DigestInfo');
  const digestOid = readOid(sequenceOf(algorithm, 'MAC algorithm')[0]);
  const hash = DIGEST_HASH[digestOid];
  if (!hash) {
    throw new KeystoreError(`unsupported PKCS#12 MAC algorithm ${digestOid}`, {
      hint: 'rewrite the store with OpenSSL 3.0 defaults or keytool -importkeystore',
    });
  }
  const iterations = iterationsNode === undefined ? 1 : readIterations(iterationsNode, 'PKCS#12 MAC');
  const expected = readOctetString(digest, 'MAC');
  const actual = computeMac(hash, password, readOctetString(saltNode, 'MAC salt'), iterations, authSafe);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) throw wrongPassword();
}

/** The encryptedContent of an EncryptedContentInfo: [0] IMPLICIT OCTET STRING, possibly BER-chunked. */
function encryptedContent(node: DerNode | undefined): Uint8Array {
  if (node?.tag === contextPrimitiveTag(0)) return node.content;
  const chunks = children(expectTag(node, 0xa0, 'encryptedContent'));
  return Buffer.concat(chunks.map((chunk) => readOctetString(chunk, 'encryptedContent chunk')));
}

function decryptOrThrow(algorithm: DerNode | undefined, data: Uint8Array, password: string): Buffer {
  let plain: Buffer;
  try {
    plain = decryptWithAlgorithm(expectTag(algorithm, Tag.sequence, 'encryption algorithm'), data, password);
  } catch (cause) {
    if (cause instanceof KeystoreError) throw cause;
    throw wrongPassword(cause);
  }
  // A wrong key still yields valid padding about once in 256 tries: the DER parse catches that.
  try {
    decode(plain);
  } catch (cause) {
    throw wrongPassword(cause);
  }
  return plain;
}

function readSafeContents(contentInfo: DerNode, password: string): DerNode[] {
  const [typeNode, contentNode] = sequenceOf(contentInfo, 'ContentInfo');
  const type = readOid(typeNode, 'ContentInfo type');
  if (type === OID.data) {
    return sequenceOf(decode(readOctetString(unwrapExplicit(contentNode, 0, 'data'))), 'SafeContents');
  }
  if (type === OID.encryptedData) {
    const [, encryptedContentInfo] = sequenceOf(
      unwrapExplicit(contentNode, 0, 'encryptedData'),
      'EncryptedData',
    );
    const [, algorithm, content] = sequenceOf(encryptedContentInfo, 'EncryptedContentInfo');
    return sequenceOf(decode(decryptOrThrow(algorithm, encryptedContent(content), password)), 'SafeContents');
  }
  throw new KeystoreError(`unsupported PKCS#12 content type ${type}`, {
    hint: 'public-key (enveloped) PKCS#12 stores are not supported',
  });
}

function readAttributes(node: DerNode | undefined): Bag {
  const bag: Bag = { trusted: false };
  if (node === undefined) return bag;
  for (const attr of children(expectTag(node, Tag.set, 'bag attributes'))) {
    const [typeNode, values] = sequenceOf(attr, 'bag attribute');
    const [value] = children(expectTag(values, Tag.set, 'attribute values'));
    const type = readOid(typeNode);
    if (type === OID.friendlyName) bag.friendlyName = readBmpString(value, 'friendlyName');
    else if (type === OID.localKeyId) bag.localKeyId = Buffer.from(readOctetString(value)).toString('hex');
    else if (type === OID.javaTrustedKeyUsage) bag.trusted = true;
  }
  return bag;
}

/** Leaf first, then each issuer found among `pool`, until a self-issued certificate or a gap. */
function buildChain(leaf: CertBag, pool: CertBag[]): CertBag[] {
  const chain = [leaf];
  for (;;) {
    const current = new X509Certificate(chain[chain.length - 1]?.der as Uint8Array);
    if (current.issuer === current.subject) return chain;
    const issuer = pool.find(
      (candidate) => !chain.includes(candidate) && current.checkIssued(new X509Certificate(candidate.der)),
    );
    if (!issuer) return chain;
    chain.push(issuer);
  }
}

/**
 * Reads a PKCS#12 store after verifying its MAC with `password`. Key entries pair a key bag with the
 * certificate of the same localKeyId and then its issuers; certificates in no chain, or carrying Java's
 * trusted-key-usage attribute, become trusted-cert entries. Keys are decrypted on `decryptKey(password)`.
 */
export function decodePkcs12(bytes: Uint8Array, password: string): DecodedKeystore {
  let pfx: DerNode[];
  try {
    pfx = sequenceOf(decode(bytes), 'PFX');
  } catch (cause) {
    throw new KeystoreError('not a PKCS#12 keystore', {
      hint: 'a JKS store starts with FEEDFEED: read it as jks',
      cause,
    });
  }
  const [versionNode, authSafeInfo, macData] = pfx;
  if (readInteger(versionNode, 'PFX version') !== PFX_VERSION) {
    throw new KeystoreError('unsupported PKCS#12 version');
  }
  const [typeNode, contentNode] = sequenceOf(authSafeInfo, 'authSafe');
  if (readOid(typeNode) !== OID.data) {
    throw new KeystoreError('PKCS#12 stores signed with a public key are not supported');
  }
  const authSafe = readOctetString(unwrapExplicit(contentNode, 0, 'authSafe content'));
  verifyMac(macData, authSafe, password);

  const certs: CertBag[] = [];
  const keys: KeyBag[] = [];
  for (const contentInfo of sequenceOf(decode(authSafe), 'AuthenticatedSafe')) {
    for (const bagNode of readSafeContents(contentInfo, password)) {
      const [bagIdNode, valueNode, attributes] = sequenceOf(bagNode, 'SafeBag');
      const bagId = readOid(bagIdNode);
      const value = unwrapExplicit(valueNode, 0, 'bag value');
      const bag = readAttributes(attributes);
      if (bagId === OID.certBag) {
        const [certType, certValue] = sequenceOf(value, 'CertBag');
        if (readOid(certType) !== OID.x509Certificate) continue; // SDSI certificates: nobody uses them
        certs.push({
          ...bag,
          der: new Uint8Array(readOctetString(unwrapExplicit(certValue, 0, 'certificate'))),
        });
      } else if (bagId === OID.pkcs8ShroudedKeyBag) {
        keys.push({ ...bag, encrypted: value });
      } else if (bagId === OID.keyBag) {
        keys.push({ ...bag, plain: new Uint8Array(value.raw) });
      }
      // CRL, secret and nested safe-contents bags carry nothing a TLS keystore needs.
    }
  }

  const entries: DecodedKeystoreEntry[] = [];
  const inChains = new Set<CertBag>();
  keys.forEach((key, index) => {
    const leaf = certs.find((cert) => key.localKeyId !== undefined && cert.localKeyId === key.localKeyId);
    const alias = key.friendlyName ?? leaf?.friendlyName ?? key.localKeyId ?? String(index + 1);
    if (!leaf) {
      throw new KeystoreError(`PKCS#12 key "${alias}" has no certificate with the same localKeyId`);
    }
    const chain = buildChain(leaf, certs);
    for (const cert of chain) inChains.add(cert);
    entries.push({
      kind: 'private-key',
      alias,
      chain: chain.map((cert) => cert.der),
      decryptKey: (keyPassword) => decryptKeyBag(key, keyPassword),
    });
  });
  certs.forEach((cert, index) => {
    // A chain certificate is listed again only if Java marked it trusted (then it is an entry of its own).
    if (inChains.has(cert) && !cert.trusted) return;
    entries.push({
      kind: 'trusted-cert',
      alias: cert.friendlyName ?? String(index + 1),
      certificate: cert.der,
    });
  });
  return { format: 'pkcs12', entries };
}

function decryptKeyBag(key: KeyBag, password: string): Uint8Array {
  if (key.plain) return key.plain;
  const [algorithm, data] = sequenceOf(key.encrypted, 'EncryptedPrivateKeyInfo');
  return new Uint8Array(decryptOrThrow(algorithm, readOctetString(data, 'encrypted key'), password));
}
