// Where everything lives in the article's CA directory (the OpenSSL `ca` layout).
import { join } from 'node:path';

export const ROOT_DIRS = ['certs', 'crl', 'newcerts', 'private', 'intermediate'] as const;
export const INTERMEDIATE_DIRS = ['certs', 'crl', 'csr', 'newcerts', 'private'] as const;

export interface CaLayout {
  dir: string;
  rootConfig: string;
  rootIndex: string;
  rootSerial: string;
  rootNewcerts: string;
  rootKey: string;
  rootCert: string;
  intermediateDir: string;
  intermediateConfig: string;
  intermediateIndex: string;
  intermediateSerial: string;
  intermediateNewcerts: string;
  crlnumber: string;
  intermediateKey: string;
  intermediateCert: string;
  chain: string;
  lock: string;
  /** A leaf's own files: the serial in the name, so no two certificates ever share a file. */
  leafFiles(name: string, serial: string): { certificate: string; key: string };
  newcert(dir: 'root' | 'intermediate', serial: string): string;
}

export function caLayout(dir: string): CaLayout {
  const inter = join(dir, 'intermediate');
  return {
    dir,
    rootConfig: join(dir, 'ca-openssl.cnf'),
    rootIndex: join(dir, 'index.txt'),
    rootSerial: join(dir, 'serial.txt'),
    rootNewcerts: join(dir, 'newcerts'),
    rootKey: join(dir, 'private', 'ca.key.pem'),
    rootCert: join(dir, 'certs', 'ca.cert.pem'),
    intermediateDir: inter,
    intermediateConfig: join(inter, 'intermediate-openssl.cnf'),
    intermediateIndex: join(inter, 'index.txt'),
    intermediateSerial: join(inter, 'serial.txt'),
    intermediateNewcerts: join(inter, 'newcerts'),
    crlnumber: join(inter, 'crlnumber'),
    intermediateKey: join(inter, 'private', 'intermediate.key.pem'),
    intermediateCert: join(inter, 'certs', 'intermediate.cert.pem'),
    chain: join(inter, 'certs', 'ca-chain.cert.pem'),
    lock: join(dir, 'deploy-tls.lock'),
    leafFiles: (name, serial) => ({
      certificate: join(inter, 'certs', `${name}-${serial}.cert.pem`),
      key: join(inter, 'private', `${name}-${serial}.key.pem`),
    }),
    newcert: (which, serial) => join(which === 'root' ? dir : inter, 'newcerts', `${serial}.pem`),
  };
}

/** File modes from DESIGN.md: CA keys 0400, other keys 0600, certs 0444, private dirs 0700. */
export const MODE = {
  caKey: 0o400,
  leafKey: 0o400, // the article's chmod 400 on every key in intermediate/private
  cert: 0o444,
  privateDir: 0o700,
  dir: 0o755,
  database: 0o644,
} as const;
