// Building certificates: @peculiar/x509 assembles the TBS structure and signs it through
// WebCrypto, so every signature comes from Node's native (OpenSSL) crypto.
import 'reflect-metadata'; // @peculiar/x509's dependency injection needs the Reflect polyfill
import { type KeyObject, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { toCryptoKey } from './keys.js';
import { type Subject, toJsonName } from './names.js';
import type { Profile } from './profiles.js';
import type { San } from './san.js';

x509.cryptoProvider.set(webcrypto as ReturnType<typeof x509.cryptoProvider.get>);

export { x509 };

const Usage = x509.KeyUsageFlags;
const CA_USAGES = Usage.digitalSignature | Usage.cRLSign | Usage.keyCertSign; // the article's v3_ca
// RSA leaves keep the article's keyEncipherment (RSA key exchange); RFC 5480 forbids it for EC keys.
const RSA_LEAF_USAGES = Usage.digitalSignature | Usage.keyEncipherment;
const EC_LEAF_USAGES = Usage.digitalSignature;
// A TLS client only signs (CertificateVerify: RFC 8446 4.4.3, RFC 5246 7.4.8) and never receives an
// encrypted key, so keyEncipherment has no use there and RFC 5280 linters (zlint) flag it.
const CLIENT_USAGES = Usage.digitalSignature;

export interface SignRequest {
  profile: Profile;
  subject: Subject;
  publicKey: KeyObject;
  sans?: readonly San[];
  serial: string; // hex
  notBefore: Date;
  notAfter: Date;
  /** The issuing CA; absent for the self-signed root. */
  issuer?: x509.X509Certificate;
  signingKey: KeyObject;
}

export async function signCertificate(request: SignRequest): Promise<x509.X509Certificate> {
  const publicKey = await toCryptoKey(request.publicKey);
  const signingKey = await toCryptoKey(request.signingKey);
  const extensions = await profileExtensions(request, publicKey);
  return x509.X509CertificateGenerator.create({
    serialNumber: request.serial,
    subject: toJsonName(request.subject),
    issuer: request.issuer ? request.issuer.subjectName : toJsonName(request.subject),
    notBefore: request.notBefore,
    notAfter: request.notAfter,
    publicKey,
    signingKey,
    signingAlgorithm: signingAlgorithm(request.signingKey),
    extensions,
  });
}

function signingAlgorithm(key: KeyObject): webcrypto.Algorithm | webcrypto.EcdsaParams {
  if (key.asymmetricKeyType === 'ec') {
    const hash = key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'SHA-384' : 'SHA-256';
    return { name: 'ECDSA', hash } as webcrypto.EcdsaParams;
  }
  return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as webcrypto.Algorithm; // the article's -md sha256
}

async function profileExtensions(
  request: SignRequest,
  publicKey: webcrypto.CryptoKey,
): Promise<x509.Extension[]> {
  const keyIds = [
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
    await authorityKeyId(request, publicKey),
  ];
  const isEc = request.publicKey.asymmetricKeyType === 'ec';
  const leafUsages = new x509.KeyUsagesExtension(isEc ? EC_LEAF_USAGES : RSA_LEAF_USAGES, true);
  switch (request.profile) {
    case 'root':
      return [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(CA_USAGES, true),
        ...keyIds,
      ];
    case 'intermediate':
      // pathlen:0: the intermediate signs leaves only, never another CA.
      return [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(CA_USAGES, true),
        ...keyIds,
      ];
    case 'node':
      // clientAuth too: cluster peers present their node certificate as a client certificate,
      // and Java refuses a server-only EKU there.
      return [
        new x509.BasicConstraintsExtension(false),
        leafUsages,
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.serverAuth,
          x509.ExtendedKeyUsage.clientAuth,
        ]),
        new x509.SubjectAlternativeNameExtension((request.sans ?? []).map((san) => ({ ...san }))),
        ...keyIds,
      ];
    case 'client':
      return [
        new x509.BasicConstraintsExtension(false),
        new x509.KeyUsagesExtension(CLIENT_USAGES, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        ...keyIds,
      ];
  }
}

async function authorityKeyId(
  request: SignRequest,
  subjectKey: webcrypto.CryptoKey,
): Promise<x509.Extension> {
  if (!request.issuer) return x509.AuthorityKeyIdentifierExtension.create(subjectKey);
  // Copy the issuer's own SKI: an adopted CA may have computed it differently than we would.
  const ski = request.issuer.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski) return new x509.AuthorityKeyIdentifierExtension(ski.keyId);
  return x509.AuthorityKeyIdentifierExtension.create(request.issuer.publicKey);
}

export function parseCertificatePem(pem: string): x509.X509Certificate {
  return new x509.X509Certificate(pem);
}

export function certificateDer(certificate: x509.X509Certificate): Uint8Array {
  return new Uint8Array(certificate.rawData);
}

/** PEM certificates one after another, as a TLS client's CA option and ca-chain.cert.pem hold them. */
export function pemChain(certificates: readonly x509.X509Certificate[]): string {
  return certificates.map((certificate) => `${certificate.toString('pem').trimEnd()}\n`).join('');
}

/** One DER certificate as PEM, 64 base64 characters a line (RFC 7468). */
export function derToPem(der: Uint8Array): string {
  const body = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}
