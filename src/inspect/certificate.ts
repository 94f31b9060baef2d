// One certificate as a person reads it, and whether a chain leads to our CA. Pure: DER in, data out.
import { X509Certificate } from 'node:crypto';
import { InputError } from '../errors.js';
import { type CertificateSummary, summarize } from '../pki/index.js';

// RFC 5280 section 4.2.1.12's key purposes that matter for MQTT over TLS.
const KEY_PURPOSES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
};

export interface CertificateDetails extends CertificateSummary {
  sha1: string;
  /** basicConstraints CA:TRUE. */
  ca: boolean;
  selfSigned: boolean;
  /** Extended key usage by name (OIDs we do not name stay OIDs); empty when the extension is absent. */
  extendedKeyUsage: string[];
}

export function parseCertificate(der: Uint8Array, where: string): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (cause) {
    throw new InputError(`${where} is not an X.509 certificate`, { cause });
  }
}

export function describeCertificate(certificate: X509Certificate, now: Date): CertificateDetails {
  return {
    ...summarize(certificate.toString(), now),
    sha1: certificate.fingerprint,
    ca: certificate.ca,
    selfSigned: certificate.checkIssued(certificate) && certificate.verify(certificate.publicKey),
    extendedKeyUsage: (certificate.keyUsage ?? []).map((oid) => KEY_PURPOSES[oid] ?? oid),
  };
}

/** The CA a chain must lead to: its root and every intermediate it issued leaves with. */
export interface CaAnchors {
  dir: string;
  root: X509Certificate;
  /** The issuing intermediate first, then intermediates kept from a rollover. */
  intermediates: X509Certificate[];
}

export interface ChainVerdict {
  ok: boolean;
  /** Subjects from the certificate to the root, as far as the path was built. */
  path: string[];
  /** Why not, when not ok. */
  reason?: string;
}

const MAX_DEPTH = 8; // our hierarchy is 3 deep; a longer path is a loop or not ours

/**
 * Builds the path from `certificate` to the CA's root, taking issuers from `presented` (what the file or
 * the server sent along) and from the CA's intermediates, each link checked by signature
 * (X509_check_issued plus the issuer's key), every certificate on the path valid at `now`.
 */
export function checkChain(
  certificate: X509Certificate,
  presented: readonly X509Certificate[],
  ca: CaAnchors,
  now: Date,
): ChainVerdict {
  const candidates = [...ca.intermediates, ...presented, ca.root];
  const path: string[] = [];
  let current = certificate;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    path.push(oneLine(current.subject));
    const expired = outsideValidity(current, now);
    if (expired) return { ok: false, path, reason: `${oneLine(current.subject)} ${expired}` };
    if (current.raw.equals(ca.root.raw)) return { ok: true, path };
    const issuer = candidates.find(
      (candidate) =>
        !candidate.raw.equals(current.raw) &&
        current.checkIssued(candidate) &&
        current.verify(candidate.publicKey),
    );
    if (!issuer) {
      return {
        ok: false,
        path,
        reason: `no certificate of the chain or of the CA in ${ca.dir} signed ${oneLine(current.subject)} (issuer ${oneLine(current.issuer)})`,
      };
    }
    current = issuer;
  }
  return { ok: false, path, reason: `no root within ${MAX_DEPTH} certificates` };
}

function outsideValidity(certificate: X509Certificate, now: Date): string | undefined {
  if (now < new Date(certificate.validFrom)) return `is not valid before ${certificate.validFrom}`;
  if (now > new Date(certificate.validTo)) return `expired on ${certificate.validTo}`;
  return undefined;
}

const oneLine = (name: string) => name.split('\n').join(', ');
