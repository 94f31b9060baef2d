// Issuing from an open CA and writing the bundle to a local folder: `issue node`, `issue client`
// and the inventory's client bundles all come through here.
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import type { KeystoreFormat, Pkcs12Profile, StorePasswords } from '../keystore/index.js';
import { writeFileAtomic } from '../pki/files.js';
import {
  type CertificateAuthority,
  formatSan,
  type IssuedCertificate,
  type IssueRequest,
  type KeyPair,
  type KeyType,
  parseSans,
} from '../pki/index.js';
import { type BundleFile, clientBundle, nodeBundle } from './bundle.js';

export interface BundleRequest {
  name: string;
  keyType: KeyType;
  days?: number;
  format: KeystoreFormat;
  pkcs12Profile?: Pkcs12Profile;
  passwords: StorePasswords;
  /** The folder the files go to (made 0700 when missing). */
  out: string;
  now: Date;
  /** A key generated ahead, or still being generated; otherwise one of keyType is made. */
  key?: KeyPair | Promise<KeyPair>;
}

export interface BundleResult {
  serial: string;
  subject: string;
  sans: string[];
  notAfter: Date;
  keyType: KeyType;
  files: string[];
}

/** A node certificate (CN = the first DNS SAN) and its keystore, truststore and PEM files. */
export async function issueNodeBundle(
  ca: CertificateAuthority,
  request: BundleRequest & { sans: readonly string[] },
): Promise<BundleResult> {
  const issueRequest = nodeIssueRequest(ca, request);
  await prepareOut(request.out);
  const issued = await ca.issue(issueRequest);
  return write(issued, request, nodeBundle(issued, bundleOptions(request)));
}

/** What the CA is asked for a node: CN = its first DNS SAN (refused without one), its SANs, key and days. */
export function nodeIssueRequest(
  ca: CertificateAuthority,
  request: Pick<BundleRequest, 'name' | 'keyType' | 'days' | 'now' | 'key'> & { sans: readonly string[] },
): IssueRequest {
  const sans = parseSans(request.sans, '--san');
  const firstDns = sans.find((san) => san.type === 'dns');
  if (!firstDns) {
    throw new InputError(`node ${request.name} needs a DNS name among its SANs`, {
      hint: 'the first DNS SAN becomes the CN: add --san DNS:<name clients use>',
    });
  }
  return {
    profile: 'node',
    name: request.name,
    subject: ca.leafSubject(firstDns.value),
    sans,
    keyType: request.keyType,
    key: request.key,
    days: request.days,
    now: request.now,
  };
}

/** A client certificate (CN = its name) with Java stores and PEM files. */
export async function issueClientBundle(
  ca: CertificateAuthority,
  request: BundleRequest & { plainKey: boolean; plainKeyBeside?: boolean },
): Promise<BundleResult> {
  await prepareOut(request.out);
  const issued = await ca.issue(clientIssueRequest(ca, request));
  return write(
    issued,
    request,
    clientBundle(issued, {
      ...bundleOptions(request),
      plainKey: request.plainKey,
      plainKeyBeside: request.plainKeyBeside,
    }),
  );
}

/** What the CA is asked for a client: CN = its name, clientAuth, its key type and days. */
export function clientIssueRequest(
  ca: CertificateAuthority,
  request: Pick<BundleRequest, 'name' | 'keyType' | 'days' | 'now' | 'key'>,
): IssueRequest {
  return {
    profile: 'client',
    name: request.name,
    subject: ca.leafSubject(request.name),
    keyType: request.keyType,
    key: request.key,
    days: request.days,
    now: request.now,
  };
}

/**
 * The folder exists (0700 when made) and can be written, before anything is issued: a bundle that
 * cannot be written must not leave an issued, indexed certificate behind.
 */
async function prepareOut(out: string): Promise<void> {
  const dir = resolve(out);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await access(dir, constants.W_OK);
  } catch (cause) {
    throw new InputError(`cannot write the bundle to ${dir}`, {
      hint: 'choose a folder you can write (--out, or clients[].out in the inventory)',
      cause,
    });
  }
}

function bundleOptions(request: BundleRequest) {
  return {
    format: request.format,
    pkcs12Profile: request.pkcs12Profile,
    passwords: request.passwords,
    now: request.now,
  };
}

async function write(
  issued: IssuedCertificate,
  request: BundleRequest,
  files: BundleFile[],
): Promise<BundleResult> {
  const out = resolve(request.out);
  await mkdir(out, { recursive: true, mode: 0o700 });
  await Promise.all(files.map((file) => writeFileAtomic(join(out, file.name), file.data, file.mode)));
  return {
    serial: issued.serial,
    subject: issued.certificate.subject,
    sans: issued.sans.map(formatSan),
    notAfter: issued.certificate.notAfter,
    keyType: request.keyType,
    files: files.map((file) => join(out, file.name)),
  };
}
