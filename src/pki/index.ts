export {
  CertificateAuthority,
  type IssuedCertificate,
  type IssueRequest,
  initCa,
  randomSerial,
} from './ca.js';
export { certificateDer, derToPem, parseCertificatePem, pemChain, x509 } from './certificate.js';
export { type CaSummary, type CertificateSummary, inspectCa, summarize } from './inspect.js';
export {
  encryptPrivateKeyPem,
  generateKey,
  type KeyPair,
  plainPrivateKeyPem,
  privateKeyPkcs8,
} from './keys.js';
export { type CaLayout, caLayout } from './layout.js';
export { DEFAULT_CA_SUBJECT, parseSubject, type Subject, subjectFromJsonName, toOpensslDn } from './names.js';
export { CLIENT_DAYS, isKeyType, KEY_TYPES, type KeyType, LEAF_DAYS } from './profiles.js';
export { formatSan, parseSans, type San } from './san.js';
