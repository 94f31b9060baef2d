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
  formatIndexTime,
  type IndexEntry,
  normalizeSerial,
} from './database.js';
import { writeFileAtomic, writeFileExclusive } from './files.js';
import { appendIndexLine, readIndexFile, readNextSerial } from './index-file.js';
import { readKeyFile } from './key-files.js';
import { encryptPrivateKeyPem, generateKey, type KeyPair } from './keys.js';
import { type CaLayout, caLayout, INTERMEDIATE_DIRS, MODE, ROOT_DIRS } from './layout.js';
import { checkLeafName, type LeafProfile, leafProfiles } from './leaves.js';
import { acquireCaLock, type CaLock } from './lock.js';
import { organisationOf, type Subject, toOpensslDn } from './names.js';
import {
  CA_KEY_TYPE,
  CLIENT_DAYS,
  INTERMEDIATE_DAYS,
  isKeyType,
  KEY_TYPES,
  type KeyType,
  LEAF_DAYS,
  LEAF_KEY_TYPE,
  leafValidity,
  ROOT_DAYS,
  SERIAL_BYTES,
  validity,
} from './profiles.js';
import { formatSan, parseSan, type San } from './san.js';
import { renderOpensslConfig } from './templates.js';

export interface InitCaOptions {
  dir: string;
  password: Secret;
  subject: Subject;
  now: Date;
}

/**
 * The shortest CA password `ca init` accepts. Anyone with a copy of a key file can guess offline,
 * at GPU speed, without a lockout; NIST SP 800-63B asks 8 characters of any password and 15 of one
 * that protects alone. 12 with PBKDF2 at 600,000 iterations (keys.ts) is our floor; a passphrase of
 * several words is better. Only new CAs: a CA made by hand keeps working with the password it has.
 */
export const MIN_CA_PASSWORD_LENGTH = 12;

/** Creates a CA directory in the article's layout. Builds it aside and renames it into place. */
export async function initCa(options: InitCaOptions): Promise<CaLayout> {
  const length = [...options.password.reveal()].length;
  if (length < MIN_CA_PASSWORD_LENGTH) {
    throw new InputError(
      `the CA password from ${options.password.origin} has ${length} characters: a new CA needs at least ${MIN_CA_PASSWORD_LENGTH}`,
      { hint: 'choose a longer one, e.g. a passphrase of several words: it encrypts every key of the CA' },
    );
  }
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
  profile: LeafProfile;
  /** The node or client name: part of the leaf's file names (see leaves.ts). */
  name: string;
  subject: Subject;
  sans?: readonly San[];
  keyType?: KeyType;
  days?: number;
  now: Date;
  /** A key generated ahead, or still being generated (while the CA opens); otherwise one of keyType is made. */
  key?: KeyPair | Promise<KeyPair>;
  /** deploy-tls's own client identity (smoke/identity.ts): the one leaf that may use its reserved name. */
  smokeIdentity?: boolean;
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
    checkHierarchy(layout, root, intermediate);
    const key = await readKeyFile(layout.intermediateKey, options.password, {
      what: 'the intermediate key',
      expected: 'the CA directory must hold intermediate/private/intermediate.key.pem; run as its owner',
    });
    if (!sameKey(key, intermediate)) {
      throw new CaError(`${layout.intermediateKey} does not belong to ${layout.intermediateCert}`, {
        hint: 'restore the matching key and certificate from your backup',
      });
    }
    // The database must read before anything is issued from it.
    await readIndexFile(layout.intermediateIndex);
    await readNextSerial(layout.intermediateSerial);
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

  /**
   * Every check issue() makes before it writes: name, SANs, key type, lifetime against this
   * intermediate, and the name's kind. Callers that do more work around an issue (build a
   * keystore, write a bundle) can run it first, so a bad input fails before anything is issued.
   */
  async check(request: IssueRequest): Promise<{ sans: San[]; range: { notBefore: Date; notAfter: Date } }> {
    checkLeafName(request.name, {
      smokeIdentity: request.smokeIdentity === true && request.profile === 'client',
    });
    const sans = checkedSans(request);
    if (request.keyType !== undefined && !isKeyType(request.keyType)) {
      throw new InputError(`"${request.keyType}" is not a key type`, {
        hint: `use one of ${KEY_TYPES.join(', ')}`,
      });
    }
    const days = request.days ?? (request.profile === 'node' ? LEAF_DAYS : CLIENT_DAYS);
    const range = leafValidity(request.now, days, this.intermediate.notAfter);
    await this.#refuseOtherProfile(request);
    return { sans, range };
  }

  /**
   * Issues a leaf: its own serial-named files, newcerts/<SERIAL>.pem and an index.txt line.
   * Every input is checked (check()) before a key is made or a file written.
   */
  async issue(request: IssueRequest): Promise<IssuedCertificate> {
    const { sans, range } = await this.check(request);
    const key = (await request.key) ?? (await generateKey(request.keyType ?? LEAF_KEY_TYPE)); // in parallel with other issues
    const keyPem = encryptPrivateKeyPem(key.privateKey, this.password);
    return this.#serialized(async () => {
      const serial = await freshSerial(
        this.layout.intermediateIndex,
        this.layout.intermediateSerial,
        (candidate) => this.layout.newcert('intermediate', candidate),
      );
      const certificate = await signCertificate({
        profile: request.profile,
        subject: request.subject,
        publicKey: key.publicKey,
        signingKey: this.intermediateKey,
        issuer: this.intermediate,
        sans,
        serial,
        ...range,
      });
      const pem = certificate.toString('pem');
      const files = this.layout.leafFiles(request.name, serial);
      // newcerts and the leaf files first, index.txt last: a crash in between leaves an
      // unreferenced file, never an index line without its certificate. None replaces a file.
      await writeFileExclusive(this.layout.newcert('intermediate', serial), pem, MODE.cert);
      await writeFileExclusive(files.key, keyPem, MODE.leafKey);
      await writeFileExclusive(files.certificate, pem, MODE.cert);
      await appendIndexEntry(this.layout.intermediateIndex, indexEntryFor(certificate, request.subject));
      return {
        name: request.name,
        serial,
        certificate,
        privateKey: key.privateKey,
        chain: [certificateDer(certificate), ...this.caChain],
        sans,
        certificatePath: files.certificate,
        keyPath: files.key,
      };
    });
  }

  /**
   * Marks an issued certificate revoked in index.txt, as `openssl ca -revoke` does (status R and
   * the revocation time, with an RFC 5280 reason), so that the CA's records and openssl agree that
   * a certificate issued for a change that was rolled back is not in use. No CRL is written here:
   * `openssl ca -gencrl` reads the same line.
   */
  async revoke(serial: string, reason: 'superseded' | 'cessationOfOperation', now: Date): Promise<void> {
    await this.#serialized(async () => {
      const path = this.layout.intermediateIndex;
      const text = await readFile(path, 'utf8');
      const wanted = normalizeSerial(serial);
      let found = false;
      const lines = text.split('\n').map((line) => {
        const fields = line.split('\t');
        if (fields[0] !== 'V' || normalizeSerial(fields[3] ?? '') !== wanted) return line;
        found = true;
        return ['R', fields[1], `${formatIndexTime(now)},${reason}`, ...fields.slice(3)].join('\t');
      });
      if (!found) throw new CaError(`no valid certificate with serial ${serial} in ${path}`);
      await writeFileAtomic(path, lines.join('\n'), MODE.database);
    });
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

  /**
   * Nodes and clients share one name space in the CA: which certificate "broker1" means must never
   * depend on which kind was asked for.
   */
  async #refuseOtherProfile(request: IssueRequest): Promise<void> {
    const other = (await leafProfiles(this.layout, request.name)).find(
      (leaf) => leaf.profile !== request.profile,
    );
    if (other) {
      throw new InputError(
        `"${request.name}" already names a ${other.profile} certificate (${other.certificatePath}): a ${request.profile} needs a name of its own`,
        { hint: 'give the node or the client another name' },
      );
    }
  }
}

/**
 * A random serial that index.txt has not used and that is not serial.txt's next one: `openssl ca`
 * takes serial.txt's value for its next issue, so taking it here would make that issue collide.
 * A newcerts file without an index line (a crash between the two writes) keeps its serial too.
 */
export async function freshSerial(
  indexPath: string,
  serialPath: string,
  newcertPath: (serial: string) => string,
): Promise<string> {
  const entries = await readIndexFile(indexPath);
  const used = new Set(entries.map((entry) => normalizeSerial(entry.serial)));
  const next = await readNextSerial(serialPath);
  if (next) used.add(normalizeSerial(next));
  for (;;) {
    const serial = randomSerial();
    if (!used.has(normalizeSerial(serial)) && !(await exists(newcertPath(serial)))) return serial;
  }
}

/** Appends one line to index.txt as `openssl ca` writes it, after checking the file still reads. */
export async function appendIndexEntry(indexPath: string, entry: IndexEntry): Promise<void> {
  await appendIndexLine(indexPath, formatIndexLine(entry));
}

/** A node certificate needs a SAN (RFC 6125: clients match names there); each is checked again here. */
function checkedSans(request: IssueRequest): San[] {
  const sans = (request.sans ?? []).map((san, index) =>
    parseSan(formatSan(san), `${request.name}: SAN ${index + 1}`),
  );
  if (request.profile === 'node' && sans.length === 0) {
    throw new InputError(`node ${request.name} has no SAN`, {
      hint: 'give at least --san DNS:<name clients use>',
    });
  }
  return sans;
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
    root: await readCertificateFile(layout.rootCert, 'the root certificate'),
    intermediate: await readCertificateFile(layout.intermediateCert, 'the intermediate certificate'),
  };
}

async function readCertificateFile(path: string, what: string): Promise<x509.X509Certificate> {
  const text = await readFile(path, 'utf8').catch((cause) => {
    throw new CaError(`cannot read ${what} ${path}`, { hint: 'run as the owner of the CA directory', cause });
  });
  try {
    return parseCertificatePem(text);
  } catch (cause) {
    throw new CaError(`${path} does not hold a PEM certificate`, {
      hint: `restore ${what} from your backup (newcerts/ beside the signing CA's index.txt keeps a copy of every certificate openssl ca signed)`,
      cause,
    });
  }
}

/**
 * The intermediate must be a CA certificate (basicConstraints CA:TRUE, RFC 5280 4.2.1.9) signed by
 * the root: otherwise leaves would chain to nothing, or a leaf certificate would be signing.
 */
function checkHierarchy(
  layout: CaLayout,
  root: x509.X509Certificate,
  intermediate: x509.X509Certificate,
): void {
  const rootCert = new NodeX509(root.toString('pem'));
  const interCert = new NodeX509(intermediate.toString('pem'));
  const restore =
    "restore it from your backup; the root's newcerts/ keeps a copy of every intermediate it signed";
  if (!rootCert.ca) {
    throw new CaError(`${layout.rootCert} is not a CA certificate (basicConstraints CA:TRUE is missing)`, {
      hint: restore,
    });
  }
  if (!interCert.ca) {
    throw new CaError(
      `${layout.intermediateCert} is not a CA certificate (basicConstraints CA:TRUE is missing)`,
      {
        hint: restore,
      },
    );
  }
  if (!interCert.checkIssued(rootCert) || !interCert.verify(rootCert.publicKey)) {
    throw new CaError(`${layout.intermediateCert} was not issued by the root ${layout.rootCert}`, {
      hint: `the two must come from one CA: ${restore}`,
    });
  }
}

async function firstMissing(paths: string[]): Promise<string | undefined> {
  for (const path of paths) {
    if (!(await exists(path))) return path;
  }
  return undefined;
}

/** A key kept in the CA directory, decrypted with the CA password (key-files.ts has the checks). */
export function readCaKey(path: string, password: Secret): Promise<KeyObject> {
  return readKeyFile(path, password, { what: 'the key' });
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

function sameKey(key: KeyObject, certificate: x509.X509Certificate): boolean {
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' }).toString('hex');
  return spki(createPublicKey(key)) === spki(new NodeX509(certificate.toString('pem')).publicKey);
}
