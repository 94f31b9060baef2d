export {
  CertificateAuthority,
  type IssuedCertificate,
  type IssueRequest,
  initCa,
  MIN_CA_PASSWORD_LENGTH,
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
export {
  CA_ROLE_NAMES,
  type FindLeafOptions,
  findLeaf,
  type LeafNameProblem,
  type LeafProfile,
  type LeafRecord,
  leafNameProblem,
  readLeafKey,
  SMOKE_LEAF_NAME,
} from './leaves.js';
export { DEFAULT_CA_SUBJECT, parseSubject, type Subject, subjectFromJsonName, toOpensslDn } from './names.js';
export { CLIENT_DAYS, isKeyType, KEY_TYPES, type KeyType, LEAF_DAYS, MAX_LEAF_DAYS } from './profiles.js';
export { canonicalSanText, formatSan, parseSans, type San } from './san.js';
