// Leaf certificates in the CA directory: what a leaf may be called, where its files go, and which
// certificate of a name is the one to use. Every certificate gets files of its own, named with its
// serial (intermediate/certs/<name>-<SERIAL>.cert.pem, intermediate/private/<name>-<SERIAL>.key.pem),
// so a leaf never replaces a CA file, an earlier certificate of its name, or a file made by hand
// under the article's names (intermediate/certs/<name>.cert.pem).
import { type KeyObject, X509Certificate as NodeX509 } from 'node:crypto';
import { access, readdir, readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { InputError } from '../errors.js';
import type { Secret } from '../secret.js';
import { parseCertificatePem, type x509 } from './certificate.js';
import { normalizeSerial } from './database.js';
import { readIndexFile } from './index-file.js';
import { readKeyFile } from './key-files.js';
import type { CaLayout } from './layout.js';

export type LeafProfile = 'node' | 'client';

/** The client certificate deploy-tls itself checks brokers with. */
export const SMOKE_LEAF_NAME = 'deploy-tls-smoke';

/**
 * Names of the CA's own files in intermediate/certs and intermediate/private (ca.cert.pem and
 * ca-chain.cert.pem are the article's names for the root and the chain), and rollover's
 * intermediate-next and intermediate-<SERIAL> (rollover.ts).
 */
export const CA_ROLE_NAMES = ['ca', 'ca-chain', 'intermediate', 'intermediate-next'] as const;
const ARCHIVED_INTERMEDIATE = /^intermediate-[0-9a-f]+$/i;
const RESERVED = `${CA_ROLE_NAMES.join(', ')}, intermediate-<serial> and ${SMOKE_LEAF_NAME}`;

/** A name is a file name part: no path separators, no dot files, nothing a shell or a viewer reads twice. */
const LEAF_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface LeafNameProblem {
  message: string;
  hint: string;
}

/**
 * Why `name` cannot name a leaf, or undefined. Compared case-insensitively: on a case-insensitive
 * file system "Intermediate" is "intermediate". The smoke identity's name is allowed only where
 * deploy-tls issues its own identity.
 */
export function leafNameProblem(
  name: string,
  allow: { smokeIdentity?: boolean } = {},
): LeafNameProblem | undefined {
  if (!LEAF_NAME.test(name)) {
    return {
      message: `"${name}" cannot name a certificate`,
      hint: 'use letters, digits, ".", "_" and "-" (at most 64), starting with a letter or digit',
    };
  }
  const lower = name.toLowerCase();
  const role = (CA_ROLE_NAMES as readonly string[]).includes(lower) || ARCHIVED_INTERMEDIATE.test(name);
  if (role || (lower === SMOKE_LEAF_NAME && !allow.smokeIdentity)) {
    const whose = role ? "the CA's own files" : "deploy-tls's own client certificate";
    return {
      message: `"${name}" is reserved for ${whose}: a leaf of that name could be mistaken for it`,
      hint: `choose another name; reserved: ${RESERVED}`,
    };
  }
  return undefined;
}

export function checkLeafName(name: string, allow: { smokeIdentity?: boolean } = {}): void {
  const problem = leafNameProblem(name, allow);
  if (problem) throw new InputError(problem.message, { hint: problem.hint });
}

export interface LeafRecord {
  name: string;
  serial: string;
  profile: LeafProfile;
  certificate: x509.X509Certificate;
  certificatePath: string;
  keyPath: string;
}

/** Every certificate of this name that deploy-tls issued (and still has), in no particular order. */
export async function listLeaves(layout: CaLayout, name: string): Promise<LeafRecord[]> {
  const records: LeafRecord[] = [];
  for (const { pem, ...file } of await leafFiles(layout, name)) {
    const certificate = parseOrUndefined(pem);
    if (certificate) records.push({ ...file, name, certificate });
  }
  return records;
}

/**
 * The profile of each certificate of this name, from Node's native parser alone: issuing checks
 * it for every node, and a CA keeps every certificate it issued, so this must stay cheap.
 */
export async function leafProfiles(
  layout: CaLayout,
  name: string,
): Promise<{ profile: LeafProfile; certificatePath: string }[]> {
  return leafFiles(layout, name);
}

interface LeafFile {
  serial: string;
  profile: LeafProfile;
  pem: string;
  certificatePath: string;
  keyPath: string;
}

async function leafFiles(layout: CaLayout, name: string): Promise<LeafFile[]> {
  const certs = `${layout.intermediateDir}/certs`;
  const names = await readdir(certs).catch(() => [] as string[]);
  const found: LeafFile[] = [];
  for (const file of names) {
    const serial = serialOfLeafFile(file, name);
    if (!serial) continue;
    const files = layout.leafFiles(name, serial);
    const pem = await readFile(files.certificate, 'utf8').catch(() => undefined);
    const native = pem === undefined ? undefined : nativeOrUndefined(pem);
    // A file whose certificate is not the serial its name says was not written by deploy-tls.
    if (!pem || !native || normalizeSerial(native.serialNumber) !== normalizeSerial(serial)) continue;
    found.push({
      serial,
      profile: profileOf(native),
      pem,
      certificatePath: files.certificate,
      keyPath: files.key,
    });
  }
  return found;
}

/** "<name>-<SERIAL>.cert.pem" → SERIAL; a serial has no "-", so a name never reads as another's file. */
function serialOfLeafFile(file: string, name: string): string | undefined {
  const suffix = '.cert.pem';
  if (!file.startsWith(`${name}-`) || !file.endsWith(suffix)) return undefined;
  const serial = file.slice(name.length + 1, -suffix.length);
  return /^[0-9A-F]+$/.test(serial) ? serial : undefined;
}

function nativeOrUndefined(pem: string): NodeX509 | undefined {
  try {
    return new NodeX509(pem);
  } catch {
    return undefined;
  }
}

function parseOrUndefined(pem: string): x509.X509Certificate | undefined {
  try {
    return parseCertificatePem(pem);
  } catch {
    return undefined;
  }
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1'; // RFC 5280 4.2.1.12 id-kp-serverAuth

/** Node certificates carry serverAuth (and clientAuth); client certificates clientAuth only. */
function profileOf(certificate: NodeX509): LeafProfile {
  const eku = certificate.keyUsage ?? [];
  return eku.includes(SERVER_AUTH) ? 'node' : 'client';
}

export interface FindLeafOptions {
  profile: LeafProfile;
  /** The intermediate that must have signed it: the one issuing now. */
  issuer: x509.X509Certificate;
  now: Date;
  /** Skip certificates that run out within this many days. */
  minDaysLeft?: number;
}

const DAY_MS = 86_400_000;

/**
 * The newest certificate of this name and profile that can be used now: its key file is here,
 * index.txt lists it as valid (not revoked, not expired), the issuing intermediate signed it, and
 * more than `minDaysLeft` days remain.
 */
export async function findLeaf(
  layout: CaLayout,
  name: string,
  options: FindLeafOptions,
): Promise<LeafRecord | undefined> {
  const leaves = (await listLeaves(layout, name)).filter((leaf) => leaf.profile === options.profile);
  if (leaves.length === 0) return undefined;
  const valid = new Set(
    (await readIndexFile(layout.intermediateIndex))
      .filter((entry) => entry.status === 'V')
      .map((entry) => normalizeSerial(entry.serial)),
  );
  const issuer = new NodeX509(options.issuer.toString('pem'));
  const minLeftMs = (options.minDaysLeft ?? 0) * DAY_MS;
  const usable: LeafRecord[] = [];
  for (const leaf of leaves) {
    const { notBefore, notAfter } = leaf.certificate;
    if (!valid.has(normalizeSerial(leaf.serial))) continue;
    if (notBefore.getTime() > options.now.getTime()) continue;
    if (notAfter.getTime() - options.now.getTime() <= minLeftMs) continue;
    const cert = new NodeX509(leaf.certificate.toString('pem'));
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey)) continue;
    if (!(await exists(leaf.keyPath))) continue;
    usable.push(leaf);
  }
  usable.sort((a, b) => b.certificate.notBefore.getTime() - a.certificate.notBefore.getTime());
  return usable[0];
}

/** A leaf key kept in intermediate/private, encrypted with the CA password. */
export function readLeafKey(path: string, password: Secret): Promise<KeyObject> {
  return readKeyFile(path, password, { what: `the key of ${basename(path)}` });
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );
