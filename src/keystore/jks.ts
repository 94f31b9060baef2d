// Sun's JKS format, which HiveMQ loads by default ("JKS" keystore type). No maintained npm library
// writes it, so this is written from the layout of sun.security.provider.JavaKeyStore:
//   magic, version, count, entries (tag 1 key / tag 2 trusted cert), SHA-1 integrity trailer.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { KeystoreError } from '../errors.js';
import {
  decode,
  derNull,
  octetString,
  oid,
  readOctetString,
  readOid,
  sequence,
  sequenceOf,
  utf16be,
} from './der.js';
import { OID } from './oids.js';
import type { DecodedKeystore, DecodedKeystoreEntry, KeystoreEntry } from './types.js';
import { validateEntries } from './validate.js';

const JKS_MAGIC = 0xfeedfeed;
const JCEKS_MAGIC = 0xcececece; // Sun's JCEKS; same layout, different key protection: not supported
const JKS_VERSION = 2; // version 2 names each certificate's type ("X.509"); Java has written it since 1.2
const TAG_PRIVATE_KEY = 1;
const TAG_TRUSTED_CERT = 2;
const CERT_TYPE = 'X.509';
/** Java mixes this phrase into the integrity digest (JavaKeyStore.getPreKeyedHash). */
const INTEGRITY_PHRASE = 'Mighty Aphrodite';
const SHA1_BYTES = 20;
const KEY_PROTECTOR_SALT_BYTES = 20; // KeyProtector.SALT_LEN

/** Java's char[] password as bytes: each UTF-16 code unit, big-endian. */
const passwordBytes = utf16be;

// ---- Java DataOutputStream/DataInputStream -------------------------------------------------

/** Java "modified UTF-8": NUL is two bytes and supplementary characters are encoded per surrogate. */
function modifiedUtf8(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x01 && c <= 0x7f) out.push(c);
    else if (c <= 0x7ff) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Buffer.from(out);
}

function decodeModifiedUtf8(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      text += String.fromCharCode(b);
      i += 1;
    } else if ((b & 0xe0) === 0xc0) {
      text += String.fromCharCode(((b & 0x1f) << 6) | ((bytes[i + 1] as number) & 0x3f));
      i += 2;
    } else {
      const c =
        ((b & 0x0f) << 12) | (((bytes[i + 1] as number) & 0x3f) << 6) | ((bytes[i + 2] as number) & 0x3f);
      text += String.fromCharCode(c);
      i += 3;
    }
  }
  return text;
}

class Writer {
  readonly #parts: Buffer[] = [];
  u32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    this.#parts.push(b);
  }
  u64(n: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(n));
    this.#parts.push(b);
  }
  utf(text: string): void {
    const bytes = modifiedUtf8(text);
    if (bytes.length > 0xffff) throw new KeystoreError(`JKS string too long: ${text.slice(0, 40)}…`);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(bytes.length);
    this.#parts.push(len, bytes);
  }
  bytes(data: Uint8Array): void {
    this.u32(data.length);
    this.#parts.push(Buffer.from(data));
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.#parts);
  }
}

class Reader {
  #offset = 0;
  constructor(readonly buf: Buffer) {}
  #take(n: number): Buffer {
    if (this.#offset + n > this.buf.length) {
      throw new KeystoreError('JKS keystore is truncated', { hint: 'the file was cut short; copy it again' });
    }
    const out = this.buf.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return out;
  }
  u32(): number {
    return this.#take(4).readUInt32BE();
  }
  u64(): number {
    return Number(this.#take(8).readBigUInt64BE());
  }
  utf(): string {
    return decodeModifiedUtf8(this.#take(this.#take(2).readUInt16BE()));
  }
  bytes(): Buffer {
    return this.#take(this.u32());
  }
  get offset(): number {
    return this.#offset;
  }
}

// ---- Sun KeyProtector ----------------------------------------------------------------------

/** XOR keystream: digest_i = SHA1(password || digest_{i-1}), digest_0 = salt. */
function keystream(password: Uint8Array, salt: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length);
  let digest: Uint8Array = salt;
  for (let offset = 0; offset < length; offset += SHA1_BYTES) {
    digest = createHash('sha1').update(password).update(digest).digest();
    out.set(digest.subarray(0, Math.min(SHA1_BYTES, length - offset)), offset);
  }
  return out;
}

const xor = (a: Uint8Array, b: Uint8Array): Buffer =>
  Buffer.from(a.map((byte, i) => byte ^ (b[i] as number)));

/** EncryptedPrivateKeyInfo with Sun's KeyProtector: salt || (key XOR keystream) || SHA1(password || key). */
function protectKey(pkcs8: Uint8Array, keyPassword: string): Uint8Array {
  const password = passwordBytes(keyPassword);
  const salt = randomBytes(KEY_PROTECTOR_SALT_BYTES);
  const check = createHash('sha1').update(password).update(pkcs8).digest();
  const protectedKey = Buffer.concat([salt, xor(pkcs8, keystream(password, salt, pkcs8.length)), check]);
  return sequence(sequence(oid(OID.sunJksKeyProtector), derNull()), octetString(protectedKey));
}

function recoverKey(encryptedPrivateKeyInfo: Uint8Array, keyPassword: string, alias: string): Uint8Array {
  const [algorithm, data] = sequenceOf(decode(encryptedPrivateKeyInfo), 'EncryptedPrivateKeyInfo');
  const [algOid] = sequenceOf(algorithm, 'key protection algorithm');
  const scheme = readOid(algOid);
  if (scheme !== OID.sunJksKeyProtector) {
    throw new KeystoreError(`key "${alias}" is protected with ${scheme}, not Sun's JKS KeyProtector`);
  }
  const blob = readOctetString(data, 'protected key');
  if (blob.length < KEY_PROTECTOR_SALT_BYTES + SHA1_BYTES)
    throw new KeystoreError(`key "${alias}" is truncated`);
  const password = passwordBytes(keyPassword);
  const salt = blob.subarray(0, KEY_PROTECTOR_SALT_BYTES);
  const body = blob.subarray(KEY_PROTECTOR_SALT_BYTES, blob.length - SHA1_BYTES);
  const check = blob.subarray(blob.length - SHA1_BYTES);
  const pkcs8 = xor(body, keystream(password, salt, body.length));
  const expected = createHash('sha1').update(password).update(pkcs8).digest();
  if (!timingSafeEqual(expected, check)) {
    throw new KeystoreError(`wrong key password for JKS entry "${alias}"`, {
      hint: 'the key password may differ from the store password; check the keystore key password',
    });
  }
  return pkcs8;
}

// ---- the store -----------------------------------------------------------------------------

function integrityDigest(storePassword: string, data: Uint8Array): Buffer {
  return createHash('sha1')
    .update(passwordBytes(storePassword))
    .update(Buffer.from(INTEGRITY_PHRASE, 'utf8'))
    .update(data)
    .digest();
}

/** Java lowercases JKS aliases on load and store; we store them lowercased so a round trip is stable. */
const jksAlias = (alias: string): string => alias.toLowerCase();

export interface JksOptions {
  storePassword: string;
  /** Protects every key entry; defaults to the store password. */
  keyPassword?: string;
  /** Entry timestamps; defaults to the current time. */
  now?: Date;
}

export function encodeJks(entries: KeystoreEntry[], opts: JksOptions): Uint8Array {
  validateEntries(entries, jksAlias);
  const keyPassword = opts.keyPassword ?? opts.storePassword;
  const timestamp = (opts.now ?? new Date()).getTime();
  const out = new Writer();
  out.u32(JKS_MAGIC);
  out.u32(JKS_VERSION);
  out.u32(entries.length);
  for (const entry of entries) {
    out.u32(entry.kind === 'private-key' ? TAG_PRIVATE_KEY : TAG_TRUSTED_CERT);
    out.utf(jksAlias(entry.alias));
    out.u64(timestamp);
    if (entry.kind === 'private-key') {
      out.bytes(protectKey(entry.privateKeyPkcs8, keyPassword));
      out.u32(entry.chain.length);
      for (const cert of entry.chain) {
        out.utf(CERT_TYPE);
        out.bytes(cert);
      }
    } else {
      out.utf(CERT_TYPE);
      out.bytes(entry.certificate);
    }
  }
  const body = out.toBuffer();
  return new Uint8Array(Buffer.concat([body, integrityDigest(opts.storePassword, body)]));
}

function readCertificate(input: Reader, alias: string): Uint8Array {
  const type = input.utf();
  if (type !== CERT_TYPE)
    throw new KeystoreError(`entry "${alias}" holds a "${type}" certificate, not X.509`);
  return new Uint8Array(input.bytes());
}

/** Reads a JKS store after checking its integrity trailer with the store password. */
export function decodeJks(bytes: Uint8Array, storePassword: string): DecodedKeystore {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 + SHA1_BYTES) throw new KeystoreError('not a JKS keystore: too short');
  const magic = buf.readUInt32BE(0);
  if (magic !== JKS_MAGIC) {
    const hint =
      magic === JCEKS_MAGIC
        ? 'this is a JCEKS store: convert it with keytool -importkeystore -deststoretype JKS'
        : buf[0] === 0x30
          ? 'this looks like a PKCS#12 store: read it as pkcs12'
          : 'the file is not a Java keystore';
    throw new KeystoreError('not a JKS keystore (bad magic number)', { hint });
  }
  const body = buf.subarray(0, buf.length - SHA1_BYTES);
  if (!timingSafeEqual(integrityDigest(storePassword, body), buf.subarray(buf.length - SHA1_BYTES))) {
    throw new KeystoreError(
      'JKS keystore integrity check failed: wrong store password, or the file is corrupt',
      {
        hint: 'check the keystore store password',
      },
    );
  }
  const input = new Reader(body);
  input.u32(); // magic, checked above
  const version = input.u32();
  if (version !== JKS_VERSION) {
    throw new KeystoreError(`unsupported JKS version ${version}`, {
      hint: 'rewrite it with a current keytool -importkeystore',
    });
  }
  const count = input.u32();
  const entries: DecodedKeystoreEntry[] = [];
  for (let i = 0; i < count; i++) {
    const tag = input.u32();
    const alias = input.utf();
    const createdAt = new Date(input.u64());
    if (tag === TAG_PRIVATE_KEY) {
      const encryptedKey = new Uint8Array(input.bytes());
      const chainLength = input.u32();
      const chain: Uint8Array[] = [];
      for (let c = 0; c < chainLength; c++) chain.push(readCertificate(input, alias));
      entries.push({
        kind: 'private-key',
        alias,
        chain,
        createdAt,
        decryptKey: (keyPassword) => recoverKey(encryptedKey, keyPassword, alias),
      });
    } else if (tag === TAG_TRUSTED_CERT) {
      entries.push({ kind: 'trusted-cert', alias, certificate: readCertificate(input, alias), createdAt });
    } else {
      throw new KeystoreError(`JKS entry "${alias}" has unknown tag ${tag}`, {
        hint: 'secret-key entries exist only in JCEKS/PKCS#12 stores',
      });
    }
  }
  if (input.offset !== body.length)
    throw new KeystoreError('JKS keystore has trailing bytes after its entries');
  return { format: 'jks', entries };
}
