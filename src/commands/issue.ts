// `issue node` and `issue client`: issue from the CA, then write the bundle locally.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import type { KeystoreFormat, Pkcs12Profile } from '../keystore/index.js';
import { writeFileAtomic } from '../pki/files.js';
import {
  CertificateAuthority,
  formatSan,
  type IssuedCertificate,
  type KeyPair,
  type KeyType,
  parseSans,
  subjectFromJsonName,
} from '../pki/index.js';
import type { Secret } from '../secret.js';
import { type BundleFile, type BundlePasswords, clientBundle, nodeBundle } from './bundle.js';

export interface IssueOptions {
  caDir: string;
  caPassword: Secret;
  name: string;
  keyType: KeyType;
  days?: number;
  format: KeystoreFormat;
  pkcs12Profile?: Pkcs12Profile;
  passwords: BundlePasswords;
  out: string;
  now: Date;
}

export interface IssueResult {
  serial: string;
  subject: string;
  sans: string[];
  notAfter: Date;
  keyType: KeyType;
  files: string[];
}

export type NodeIssueOptions = Omit<IssueOptions, 'caDir' | 'caPassword'> & {
  sans: readonly string[];
  key?: KeyPair;
};
export type ClientIssueOptions = Omit<IssueOptions, 'caDir' | 'caPassword'> & {
  plainKey: boolean;
  key?: KeyPair;
};

export async function issueNode(options: IssueOptions & NodeIssueOptions): Promise<IssueResult> {
  return withCa(options, 'issue node', (ca) => issueNodeWith(ca, options));
}

export async function issueClient(options: IssueOptions & ClientIssueOptions): Promise<IssueResult> {
  return withCa(options, 'issue client', (ca) => issueClientWith(ca, options));
}

/** Issues a node certificate from an open CA and writes its bundle; many may run at once. */
export async function issueNodeWith(
  ca: CertificateAuthority,
  options: NodeIssueOptions,
): Promise<IssueResult> {
  const sans = parseSans(options.sans, '--san');
  const firstDns = sans.find((san) => san.type === 'dns');
  if (!firstDns) {
    throw new InputError(`node ${options.name} needs a DNS name among its SANs`, {
      hint: 'the first DNS SAN becomes the CN: add --san DNS:<name clients use>',
    });
  }
  const issued = await ca.issue({
    profile: 'node',
    name: options.name,
    subject: { ...orgOf(ca), CN: firstDns.value },
    sans,
    keyType: options.keyType,
    key: options.key,
    days: options.days,
    now: options.now,
  });
  return finish(issued, options, nodeBundle(issued, bundleOptions(options)));
}

export async function issueClientWith(
  ca: CertificateAuthority,
  options: ClientIssueOptions,
): Promise<IssueResult> {
  const issued = await ca.issue({
    profile: 'client',
    name: options.name,
    subject: { ...orgOf(ca), CN: options.name },
    keyType: options.keyType,
    key: options.key,
    days: options.days,
    now: options.now,
  });
  return finish(
    issued,
    options,
    clientBundle(issued, { ...bundleOptions(options), plainKey: options.plainKey }),
  );
}

async function withCa<T>(
  options: Pick<IssueOptions, 'caDir' | 'caPassword'>,
  command: string,
  work: (ca: CertificateAuthority) => Promise<T>,
) {
  const ca = await CertificateAuthority.open({ dir: options.caDir, password: options.caPassword, command });
  try {
    return await work(ca);
  } finally {
    await ca.close();
  }
}

/** Leaves carry the CA's organisation fields, so they read as one PKI in any viewer. */
function orgOf(ca: CertificateAuthority) {
  const { C, ST, L, O, OU } = subjectFromJsonName(ca.intermediate.subjectName.toJSON());
  return { C, ST, L, O, OU };
}

function bundleOptions(options: NodeIssueOptions | ClientIssueOptions) {
  return {
    format: options.format,
    pkcs12Profile: options.pkcs12Profile,
    passwords: options.passwords,
    now: options.now,
  };
}

async function finish(
  issued: IssuedCertificate,
  options: NodeIssueOptions | ClientIssueOptions,
  files: BundleFile[],
): Promise<IssueResult> {
  const out = resolve(options.out);
  await mkdir(out, { recursive: true, mode: 0o700 });
  await Promise.all(files.map((file) => writeFileAtomic(join(out, file.name), file.data, file.mode)));
  const certificate = issued.certificate;
  return {
    serial: issued.serial,
    subject: certificate.subject,
    sans: issued.sans.map(formatSan),
    notAfter: certificate.notAfter,
    keyType: options.keyType,
    files: files.map((file) => join(out, file.name)),
  };
}
