// Intermediate rollover, the CA side: make the next intermediate (signed here by the root, or as a
// CSR for an offline root and imported back), then swap it in. The phases the fleet goes through
// (trust both, re-issue, drop the old one) are recorded in rollover.json so a run can resume.
import 'reflect-metadata';
import { createPublicKey, X509Certificate as NodeX509, type webcrypto } from 'node:crypto';
import { access, chmod, copyFile, link, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CaError } from '../errors.js';
import type { Fault } from '../faults.js';
import type { Secret } from '../secret.js';
import { appendIndexEntry, freshSerial, indexEntryFor, readCaCertificates } from './ca.js';
import { certificateDer, parseCertificatePem, signCertificate, x509 } from './certificate.js';
import { writeFileAtomic } from './files.js';
import { readIndexFile, readNextSerial } from './index-file.js';
import { readKeyFile } from './key-files.js';
import { encryptPrivateKeyPem, generateKey, toCryptoKey } from './keys.js';
import { type CaLayout, MODE } from './layout.js';
import { type Subject, subjectFromJsonName, toJsonName } from './names.js';
import { CA_KEY_TYPE, INTERMEDIATE_DAYS, validity } from './profiles.js';

export type RolloverPhase = 'awaiting-certificate' | 'created' | 'trusted' | 'reissued';

export interface RolloverState {
  phase: RolloverPhase;
  /** The intermediate being replaced. */
  oldSerial: string;
  startedAt: string;
}

export function rolloverPaths(layout: CaLayout) {
  const inter = layout.intermediateDir;
  return {
    state: join(layout.dir, 'rollover.json'),
    nextCert: join(inter, 'certs', 'intermediate-next.cert.pem'),
    nextKey: join(inter, 'private', 'intermediate-next.key.pem'),
    nextCsr: join(inter, 'csr', 'intermediate-next.csr.pem'),
    archivedCert: (serial: string) => join(inter, 'certs', `intermediate-${serial}.cert.pem`),
    archivedKey: (serial: string) => join(inter, 'private', `intermediate-${serial}.key.pem`),
  };
}

const PHASES: readonly RolloverPhase[] = ['awaiting-certificate', 'created', 'trusted', 'reissued'];

export async function readRolloverState(layout: CaLayout): Promise<RolloverState | undefined> {
  const path = rolloverPaths(layout).state;
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  let state: Partial<RolloverState> | undefined;
  try {
    state = JSON.parse(text) as Partial<RolloverState>;
  } catch {
    state = undefined;
  }
  if (!state || !PHASES.includes(state.phase as RolloverPhase) || typeof state.oldSerial !== 'string') {
    throw new CaError(`${path} does not hold a rollover state`, {
      hint: `it records how far deploy-tls ca rollover got: restore it from your backup, or remove it to start the rollover over (the phase is one of ${PHASES.join(', ')})`,
    });
  }
  return state as RolloverState;
}

export async function writeRolloverState(layout: CaLayout, state: RolloverState): Promise<void> {
  await writeFileAtomic(rolloverPaths(layout).state, `${JSON.stringify(state, null, 2)}\n`, MODE.database);
}

export async function finishRollover(layout: CaLayout): Promise<void> {
  await rm(rolloverPaths(layout).state, { force: true });
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * A new CN for every intermediate, down to the second: `openssl ca` on the root keeps subjects
 * unique (unique_subject = yes, the article's ca-openssl.cnf), so a second rollover on the same day
 * with a date-only CN made the root's `openssl ca` fail with "Error creating name index".
 */
export function nextSubject(current: Subject, now: Date): Subject {
  const base = (current.CN ?? 'Intermediate CA').replace(/ \d{8}(T\d{6}Z)?$/, '');
  const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '');
  return { ...current, CN: `${base} ${stamp}Z` };
}

/**
 * Makes the next intermediate's key; signs it with the root when the root key is here, otherwise
 * writes a CSR for the offline root. Returns the new state.
 */
export async function startRollover(layout: CaLayout, password: Secret, now: Date): Promise<RolloverState> {
  const paths = rolloverPaths(layout);
  const { root, intermediate: current } = await readCaCertificates(layout);
  // The password first: the new key is encrypted with it, so a wrong one would make a key nobody
  // can open (and, with an offline root, nothing else would ever have checked it).
  await readKeyFile(layout.intermediateKey, password, { what: 'the intermediate key' });
  const rootKey = (await exists(layout.rootKey))
    ? await readKeyFile(layout.rootKey, password, { what: 'the root key' })
    : undefined;
  if (rootKey) {
    // The root's database must read before anything is written.
    await readIndexFile(layout.rootIndex);
    await readNextSerial(layout.rootSerial);
  }
  const subject = nextSubject(subjectFromJsonName(current.subjectName.toJSON()), now);
  const key = await generateKey(CA_KEY_TYPE);
  await writeFileAtomic(paths.nextKey, encryptPrivateKeyPem(key.privateKey, password), MODE.caKey);
  const state: RolloverState = {
    phase: 'created',
    oldSerial: current.serialNumber.toUpperCase(),
    startedAt: now.toISOString(),
  };
  if (!rootKey) {
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: toJsonName(subject),
      keys: { privateKey: await toCryptoKey(key.privateKey), publicKey: await toCryptoKey(key.publicKey) },
      signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as webcrypto.Algorithm,
    });
    await writeFileAtomic(paths.nextCsr, csr.toString('pem'), MODE.database);
    await writeRolloverState(layout, { ...state, phase: 'awaiting-certificate' });
    return { ...state, phase: 'awaiting-certificate' };
  }
  const serial = await freshSerial(layout.rootIndex, layout.rootSerial, (s) => layout.newcert('root', s));
  const next = await signCertificate({
    profile: 'intermediate',
    subject,
    publicKey: key.publicKey,
    signingKey: rootKey,
    issuer: root,
    serial,
    ...validity(now, INTERMEDIATE_DAYS),
  });
  const pem = next.toString('pem');
  await writeFileAtomic(layout.newcert('root', serial), pem, MODE.cert);
  await writeFileAtomic(paths.nextCert, pem, MODE.cert);
  await appendIndexEntry(layout.rootIndex, indexEntryFor(next, subject));
  await writeRolloverState(layout, state);
  return state;
}

/** The offline root's answer to our CSR: checked against our key and our root before it is used. */
export async function importRolloverCertificate(
  layout: CaLayout,
  certificatePem: string,
  password: Secret,
): Promise<RolloverState> {
  const paths = rolloverPaths(layout);
  const state = await readRolloverState(layout);
  if (state?.phase !== 'awaiting-certificate') {
    throw new CaError('no rollover is waiting for a certificate', {
      hint: 'start one with deploy-tls ca rollover',
    });
  }
  const key = await readKeyFile(paths.nextKey, password, { what: 'the next intermediate key' });
  let cert: NodeX509;
  try {
    cert = new NodeX509(certificatePem);
  } catch (cause) {
    throw new CaError('the file given with --certificate holds no PEM certificate', {
      hint: `give the certificate the root's openssl ca wrote for ${paths.nextCsr}`,
      cause,
    });
  }
  const root = new NodeX509((await readCaCertificates(layout)).root.toString('pem'));
  const spki = (k: typeof cert.publicKey) => k.export({ type: 'spki', format: 'der' }).toString('hex');
  if (!cert.verify(root.publicKey) || !cert.checkIssued(root)) {
    throw new CaError("the certificate was not issued by this CA's root", {
      hint: `sign ${paths.nextCsr} with the root in ${layout.rootConfig}`,
    });
  }
  if (spki(cert.publicKey) !== spki(createPublicKey(key))) {
    throw new CaError(`the certificate is not for the key of ${paths.nextCsr}`, {
      hint: 'sign the CSR deploy-tls wrote, not another one',
    });
  }
  if (!cert.ca)
    throw new CaError('the certificate is not a CA certificate', {
      hint: 'sign with -extensions v3_intermediate_ca',
    });
  await writeFileAtomic(paths.nextCert, cert.toString(), MODE.cert);
  const created: RolloverState = { ...state, phase: 'created' };
  await writeRolloverState(layout, created);
  return created;
}

/** DER of the next (or, after the swap, active) and the old intermediate, and the root. */
export async function rolloverCertificates(layout: CaLayout, state: RolloverState) {
  const paths = rolloverPaths(layout);
  const active = parseCertificatePem(await readFile(layout.intermediateCert, 'utf8'));
  const swapped = active.serialNumber.toUpperCase() !== state.oldSerial;
  const next = swapped ? active : parseCertificatePem(await readFile(paths.nextCert, 'utf8'));
  const old = swapped
    ? parseCertificatePem(await readFile(paths.archivedCert(state.oldSerial), 'utf8'))
    : active;
  const root = parseCertificatePem(await readFile(layout.rootCert, 'utf8'));
  return { next: certificateDer(next), old: certificateDer(old), root: certificateDer(root), swapped };
}

/**
 * Makes the next intermediate the one that issues; the old pair is kept under its serial. Safe to
 * stop anywhere and run again: the next pair is complete before anything old moves, an archive is
 * never written over (after a stop between the renames, intermediate.key.pem is already the new
 * key), and each step is skipped once done.
 */
export async function activateNextIntermediate(
  layout: CaLayout,
  state: RolloverState,
  fault?: Fault,
): Promise<void> {
  const paths = rolloverPaths(layout);
  const archivedCert = paths.archivedCert(state.oldSerial);
  const archivedKey = paths.archivedKey(state.oldSerial);
  // While the next key still waits aside, the active files are the old pair: archive them.
  if (await exists(paths.nextKey)) {
    await archive(layout.intermediateCert, archivedCert, MODE.cert);
    await archive(layout.intermediateKey, archivedKey, MODE.caKey);
  }
  if (!(await exists(archivedCert)) || !(await exists(archivedKey))) {
    throw new CaError(
      `the old intermediate (serial ${state.oldSerial}) is not archived in ${layout.intermediateDir}`,
      {
        hint: `restore ${archivedCert} and ${archivedKey} from a backup of the CA, then run ca rollover again`,
      },
    );
  }
  if (await exists(paths.nextKey)) await rename(paths.nextKey, layout.intermediateKey);
  await fault?.('swapping');
  if (await exists(paths.nextCert)) await rename(paths.nextCert, layout.intermediateCert);
  const root = await readFile(layout.rootCert, 'utf8');
  const next = await readFile(layout.intermediateCert, 'utf8');
  await writeFileAtomic(layout.chain, `${next.trimEnd()}\n${root.trimEnd()}\n`, MODE.cert);
}

/**
 * A complete copy at `to`, made once: copied to a temporary name, then linked into place, which
 * fails rather than replace a file already there (link(2)); an existing archive is kept as it is.
 */
async function archive(from: string, to: string, mode: number): Promise<void> {
  const temp = `${to}.${process.pid}.tmp`;
  await copyFile(from, temp);
  try {
    await chmod(temp, mode); // copyFile does not keep the mode
    await link(temp, to).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(temp, { force: true });
  }
}
