// The certificate authority on the control host: create one in the article's layout,
// open an existing one (made by us or by hand with openssl), and issue leaves from it.
import { createPublicKey, type KeyObject, X509Certificate as NodeX509, randomBytes } from 'node:crypto';
import { access, chmod, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CaError, InputError } from '../errors.js';
import type { Secret } from '../secret.js';
import { certificateDer, parseCertificatePem, signCertificate, type x509 } from './certificate.js';
import {
  formatIndex,
  formatIndexLine,
  type IndexEntry,
  normalizeSerial,
  parseIndex,
  parseSerialFile,
} from './database.js';
import { writeFileAtomic } from './files.js';
import { decryptPrivateKeyPem, encryptPrivateKeyPem, generateKey, type KeyPair } from './keys.js';
import { type CaLayout, caLayout, INTERMEDIATE_DIRS, MODE, ROOT_DIRS } from './layout.js';
import { acquireCaLock, type CaLock } from './lock.js';
import { organisationOf, type Subject, toOpensslDn } from './names.js';
import {
  CA_KEY_TYPE,
  CLIENT_DAYS,
  INTERMEDIATE_DAYS,
  type KeyType,
  LEAF_DAYS,
  LEAF_KEY_TYPE,
  ROOT_DAYS,
  SERIAL_BYTES,
  validity,
} from './profiles.js';
import type { San } from './san.js';
import { renderOpensslConfig } from './templates.js';

export interface InitCaOptions {
  dir: string;
  password: Secret;
  subject: Subject;
  now: Date;
}

/** Creates a CA directory in the article's layout. Builds it aside and renames it into place. */
export async function initCa(options: InitCaOptions): Promise<CaLayout> {
  const layout = caLayout(resolve(options.dir));
  // The CA keys are the slowest work and everything waits for them: start them before anything else.
  const keys = Promise.all([generateKey(CA_KEY_TYPE), generateKey(CA_KEY_TYPE)]);
  keys.catch(() => undefined); // awaited below; a refusal first must not leave it unhandled
  await refuseExistingCa(layout.dir);
  const staging = `${layout.dir}.init-${randomBytes(4).toString('hex')}`;
  try {
    await writeNewCa(caLayout(staging), layout.dir, options, await keys);
    await rename(staging, layout.dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return layout;
}

async function refuseExistingCa(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => undefined);
  if (entries && entries.length > 0) {
    throw new CaError(`${dir} already exists and is not empty: refusing to overwrite a CA`, {
      hint: `use it as it is (deploy-tls ca show --ca-dir ${dir}) or choose another --ca-dir`,
    });
  }
  if (entries) await rm(dir, { recursive: true }); // an empty folder the user made: replaced by the new CA
}

async function writeNewCa(
  stage: CaLayout,
  finalDir: string,
  options: InitCaOptions,
  [rootKey, intermediateKey]: KeyPair[],
): Promise<void> {
  if (!rootKey || !intermediateKey) throw new Error('two CA keys expected');
  const org = options.subject.O ?? 'deploy-tls';
  // The subject's CN, if any, names the root; the intermediate's CN must differ from it.
  const rootSubject: Subject = { ...options.subject, CN: options.subject.CN ?? `${org} Root CA` };
  const intermediateSubject: Subject = { ...options.subject, CN: `${org} Intermediate CA` };

  const root = await signCertificate({
    profile: 'root',
    subject: rootSubject,
    publicKey: rootKey.publicKey,
    signingKey: rootKey.privateKey,
    serial: randomSerial(),
    ...validity(options.now, ROOT_DAYS),
  });
  const intermediate = await signCertificate({
    profile: 'intermediate',
    subject: intermediateSubject,
    publicKey: intermediateKey.publicKey,
    signingKey: rootKey.privateKey,
    issuer: root,
    serial: randomSerial(),
    ...validity(options.now, INTERMEDIATE_DAYS),
  });

  for (const sub of ROOT_DIRS) await mkdir(join(stage.dir, sub), { recursive: true, mode: MODE.dir });
  for (const sub of INTERMEDIATE_DIRS) await mkdir(join(stage.intermediateDir, sub), { recursive: true });
  await chmod(join(stage.dir, 'private'), MODE.privateDir);
  await chmod(join(stage.intermediateDir, 'private'), MODE.privateDir);

  const finalInter = join(finalDir, 'intermediate');
  await writeFileAtomic(
    stage.rootConfig,
    await renderOpensslConfig('ca-openssl.cnf', finalDir, rootSubject),
    MODE.database,
  );
  await writeFileAtomic(
    stage.intermediateConfig,
    await renderOpensslConfig('intermediate-openssl.cnf', finalInter, intermediateSubject),
    MODE.database,
  );
  await writeFileAtomic(
    stage.rootKey,
    encryptPrivateKeyPem(rootKey.privateKey, options.password),
    MODE.caKey,
  );
  await writeFileAtomic(stage.rootCert, root.toString('pem'), MODE.cert);
  await writeFileAtomic(
    stage.intermediateKey,
    encryptPrivateKeyPem(intermediateKey.privateKey, options.password),
    MODE.caKey,
  );
  const intermediatePem = intermediate.toString('pem');
  await writeFileAtomic(stage.intermediateCert, intermediatePem, MODE.cert);
  await writeFileAtomic(
    stage.newcert('root', intermediate.serialNumber.toUpperCase()),
    intermediatePem,
    MODE.cert,
  );
  await writeFileAtomic(stage.chain, `${intermediatePem}\n${root.toString('pem')}\n`, MODE.cert);
  await writeFileAtomic(
    stage.rootIndex,
    formatIndex([indexEntryFor(intermediate, intermediateSubject)]),
    MODE.database,
  );
  // serial.txt: the next serial for `openssl ca`, random as the article's `openssl rand -hex 16`.
  await writeFileAtomic(stage.rootSerial, `${randomSerial()}\n`, MODE.database);
  await writeFileAtomic(stage.intermediateIndex, '', MODE.database);
  await writeFileAtomic(stage.intermediateSerial, `${randomSerial()}\n`, MODE.database);
  await writeFileAtomic(stage.crlnumber, '1000\n', MODE.database); // the article's first CRL number
}

/** A positive serial of SERIAL_BYTES random bytes whose hex has no leading zero (as openssl prints it). */
export function randomSerial(): string {
  const bytes = randomBytes(SERIAL_BYTES);
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x10; // positive and two hex digits in the first byte
  return bytes.toString('hex').toUpperCase();
}

export function indexEntryFor(certificate: x509.X509Certificate, subject: Subject): IndexEntry {
  return {
    status: 'V',
    expires: certificate.notAfter,
    revoked: '',
    serial: certificate.serialNumber.toUpperCase(),
    file: 'unknown',
    dn: toOpensslDn(subject),
  };
}

export interface IssueRequest {
  profile: 'node' | 'client';
  /** File name in intermediate/certs and intermediate/private: the node or client name. */
  name: string;
  subject: Subject;
  sans?: readonly San[];
  keyType?: KeyType;
  days?: number;
  now: Date;
  /** A key generated ahead (e.g. while the CA was being created); otherwise one of keyType is made. */
  key?: KeyPair;
}

export interface IssuedCertificate {
  name: string;
  serial: string;
  certificate: x509.X509Certificate;
  privateKey: KeyObject;
  /** DER, leaf first: leaf, intermediate, root, as a HiveMQ keystore holds it. */
  chain: Uint8Array[];
  sans: readonly San[];
  certificatePath: string;
  keyPath: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** An open CA: its intermediate key decrypted in memory, the lock held until close(). */
export class CertificateAuthority {
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly layout: CaLayout,
    readonly root: x509.X509Certificate,
    readonly intermediate: x509.X509Certificate,
    private readonly intermediateKey: KeyObject,
    private readonly password: Secret,
    private readonly lock: CaLock,
  ) {}

  static async open(options: {
    dir: string;
    password: Secret;
    command: string;
    now: Date;
  }): Promise<CertificateAuthority> {
    const layout = caLayout(resolve(options.dir));
    const { root, intermediate } = await readCaCertificates(layout);
    const key = await readCaKey(layout.intermediateKey, options.password);
    if (!sameKey(key, intermediate)) {
      throw new CaError(`${layout.intermediateKey} does not belong to ${layout.intermediateCert}`, {
        hint: 'restore the matching key and certificate from your backup',
      });
    }
    // Lock only after the password proved right: a failed open leaves the CA untouched.
    const lock = await acquireCaLock(layout.lock, options.command, options.now);
    return new CertificateAuthority(layout, root, intermediate, key, options.password, lock);
  }

  /** DER certificates a truststore needs: the intermediate and the root. */
  get caChain(): Uint8Array[] {
    return [certificateDer(this.intermediate), certificateDer(this.root)];
  }

  /** A leaf's subject: this CA's organisation fields and the leaf's CN. */
  leafSubject(cn: string): Subject {
    return { ...organisationOf(this.intermediate.subjectName.toJSON()), CN: cn };
  }

  async issue(request: IssueRequest): Promise<IssuedCertificate> {
    if (!NAME.test(request.name)) {
      throw new InputError(`"${request.name}" cannot name a certificate file`, {
        hint: 'use letters, digits, ".", "_" and "-" (at most 64), starting with a letter or digit',
      });
    }
    if (request.profile === 'node' && !request.sans?.length) {
      throw new InputError(`node ${request.name} has no SAN`, {
        hint: 'give at least --san DNS:<name clients use>',
      });
    }
    const key = request.key ?? (await generateKey(request.keyType ?? LEAF_KEY_TYPE)); // in parallel with other issues
    const days = request.days ?? (request.profile === 'node' ? LEAF_DAYS : CLIENT_DAYS);
    return this.#serialized(async () => {
      const serial = await freshSerial(this.layout.intermediateIndex, this.layout.intermediateSerial);
      const certificate = await signCertificate({
        profile: request.profile,
        subject: request.subject,
        publicKey: key.publicKey,
        signingKey: this.intermediateKey,
        issuer: this.intermediate,
        sans: request.sans,
        serial,
        ...validity(request.now, days),
      });
      const pem = certificate.toString('pem');
      const certificatePath = this.layout.leafCert(request.name);
      const keyPath = this.layout.leafKey(request.name);
      // newcerts and the leaf files first, index.txt last: a crash in between leaves an
      // unreferenced file, never an index line without its certificate.
      await Promise.all([
        writeFileAtomic(this.layout.newcert('intermediate', serial), pem, MODE.cert),
        writeFileAtomic(keyPath, encryptPrivateKeyPem(key.privateKey, this.password), MODE.leafKey),
        writeFileAtomic(certificatePath, pem, MODE.cert),
      ]);
      await appendIndexEntry(this.layout.intermediateIndex, indexEntryFor(certificate, request.subject));
      return {
        name: request.name,
        serial,
        certificate,
        privateKey: key.privateKey,
        chain: [certificateDer(certificate), ...this.caChain],
        sans: request.sans ?? [],
        certificatePath,
        keyPath,
      };
    });
  }

  /** A leaf key this CA issued and keeps (encrypted with the CA password) in intermediate/private. */
  async readLeafKey(name: string): Promise<KeyObject> {
    const path = this.layout.leafKey(name);
    return readCaKey(path, this.password);
  }

  async close(): Promise<void> {
    await this.#queue.catch(() => undefined);
    await this.lock.release();
  }

  /** index.txt is read-modify-write: one issue at a time within this process. */
  #serialized<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(work, work);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}

/**
 * A random serial that index.txt has not used and that is not serial.txt's next one: `openssl ca`
 * takes serial.txt's value for its next issue, so taking it here would make that issue collide.
 */
export async function freshSerial(indexPath: string, serialPath: string): Promise<string> {
  const entries = parseIndex(await readFile(indexPath, 'utf8'), indexPath);
  const used = new Set(entries.map((entry) => normalizeSerial(entry.serial)));
  const next = await readFile(serialPath, 'utf8').then(parseSerialFile, () => undefined);
  if (next) used.add(normalizeSerial(next));
  for (;;) {
    const serial = randomSerial();
    if (!used.has(normalizeSerial(serial))) return serial;
  }
}

/** Appends one line to index.txt as `openssl ca` writes it (a file without a final newline gets one). */
export async function appendIndexEntry(indexPath: string, entry: IndexEntry): Promise<void> {
  const current = await readFile(indexPath, 'utf8');
  const separator = current === '' || current.endsWith('\n') ? '' : '\n';
  await writeFileAtomic(indexPath, `${current}${separator}${formatIndexLine(entry)}\n`, MODE.database);
}

export async function readCaCertificates(
  layout: CaLayout,
): Promise<{ root: x509.X509Certificate; intermediate: x509.X509Certificate }> {
  const missing = await firstMissing([layout.intermediateCert, layout.rootCert, layout.intermediateIndex]);
  if (missing) {
    throw new CaError(`no CA in ${layout.dir}: ${missing} is missing`, {
      hint: `create one with: deploy-tls ca init --ca-dir ${layout.dir}`,
    });
  }
  return {
    root: parseCertificatePem(await readFile(layout.rootCert, 'utf8')),
    intermediate: parseCertificatePem(await readFile(layout.intermediateCert, 'utf8')),
  };
}

async function firstMissing(paths: string[]): Promise<string | undefined> {
  for (const path of paths) {
    if (
      !(await access(path).then(
        () => true,
        () => false,
      ))
    )
      return path;
  }
  return undefined;
}

/** A key kept in the CA directory, decrypted with the CA password; the one "wrong CA password" error. */
export async function readCaKey(path: string, password: Secret): Promise<KeyObject> {
  const pem = await readFile(path, 'utf8').catch((cause) => {
    throw new CaError(`cannot read the key ${path}`, {
      hint: 'the CA directory must hold it (see the layout in the README); run as its owner',
      cause,
    });
  });
  try {
    return decryptPrivateKeyPem(pem, password);
  } catch (cause) {
    throw new CaError(`cannot decrypt ${path}: wrong CA password`, {
      hint: `the password came from ${password.origin}; give the one the CA was created with`,
      cause,
    });
  }
}

function sameKey(key: KeyObject, certificate: x509.X509Certificate): boolean {
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' }).toString('hex');
  return spki(createPublicKey(key)) === spki(new NodeX509(certificate.toString('pem')).publicKey);
}
