// What `ca show` reports: the hierarchy and every issued certificate, read from the
// CA directory alone (no password needed: only certificates are read).
import { X509Certificate as NodeX509 } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CaError } from '../errors.js';
import { readCaCertificates } from './ca.js';
import type { IndexStatus } from './database.js';
import { readIndexFile } from './index-file.js';
import { describeKey } from './keys.js';
import { caLayout } from './layout.js';

const DAY_MS = 86_400_000;

export interface CertificateSummary {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  key: string; // "RSA 4096", "EC prime256v1"
  sha256: string; // colon-separated, as openssl x509 -fingerprint prints it
  sans: string[];
  status?: IndexStatus;
}

export interface CaSummary {
  dir: string;
  /** false when the root key lives offline: everything but intermediate creation still works. */
  rootKeyPresent: boolean;
  root: CertificateSummary;
  intermediate: CertificateSummary;
  issued: CertificateSummary[];
}

export async function inspectCa(dir: string, now: Date): Promise<CaSummary> {
  const layout = caLayout(resolve(dir));
  const { root, intermediate } = await readCaCertificates(layout);
  const entries = await readIndexFile(layout.intermediateIndex);
  const issued: CertificateSummary[] = [];
  for (const entry of entries) {
    const pem = await readFile(layout.newcert('intermediate', entry.serial), 'utf8').catch(() => undefined);
    const summary = pem === undefined ? undefined : summarizeOrUndefined(pem, now);
    if (summary) {
      issued.push({ ...summary, status: entry.status });
    } else {
      // openssl ca may have run without new_certs_dir, or the file is damaged: report what index.txt knows.
      const notAfter = entry.expires.toISOString();
      const daysLeft = Math.floor((entry.expires.getTime() - now.getTime()) / DAY_MS);
      const unknown = { issuer: '', notBefore: '', key: '?', sha256: '?', sans: [] };
      issued.push({
        subject: entry.dn,
        serial: entry.serial,
        notAfter,
        daysLeft,
        status: entry.status,
        ...unknown,
      });
    }
  }
  return {
    dir: layout.dir,
    rootKeyPresent: await access(layout.rootKey).then(
      () => true,
      () => false,
    ),
    root: summarize(root.toString('pem'), now),
    intermediate: summarize(intermediate.toString('pem'), now),
    issued,
  };
}

function summarizeOrUndefined(pem: string, now: Date): CertificateSummary | undefined {
  try {
    return summarize(pem, now);
  } catch {
    return undefined;
  }
}

export function summarize(pem: string, now: Date): CertificateSummary {
  const certificate = new NodeX509(pem);
  const notAfter = new Date(certificate.validTo);
  if (Number.isNaN(notAfter.getTime()) || Number.isNaN(new Date(certificate.validFrom).getTime())) {
    throw new CaError(
      `the certificate with serial ${certificate.serialNumber} has a validity no clock can read`,
      {
        hint: 'it cannot be used: revoke it (openssl ca -revoke) and issue a new one',
      },
    );
  }
  return {
    subject: certificate.subject.split('\n').join(', '),
    issuer: certificate.issuer.split('\n').join(', '),
    serial: certificate.serialNumber.toUpperCase(),
    notBefore: new Date(certificate.validFrom).toISOString(),
    notAfter: notAfter.toISOString(),
    daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS),
    key: describeKey(certificate.publicKey),
    sha256: certificate.fingerprint256,
    sans: certificate.subjectAltName?.split(', ') ?? [],
  };
}
