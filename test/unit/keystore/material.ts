// Test key material made on the spot with the real openssl CLI: root → intermediate → leaf.
// Nothing is committed; keys are unencrypted files in a temp dir, so no password touches argv.
import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const run = promisify(execFile);

export type KeyType = 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'ecdsa-p256' | 'ecdsa-p384';

const NEWKEY_ARGS: Record<KeyType, string[]> = {
  'rsa-2048': ['-newkey', 'rsa:2048'],
  'rsa-3072': ['-newkey', 'rsa:3072'],
  'rsa-4096': ['-newkey', 'rsa:4096'],
  'ecdsa-p256': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  'ecdsa-p384': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
};

const EXTENSIONS = `
[ v3_intermediate_ca ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, digitalSignature, cRLSign, keyCertSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ node ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:broker1.example.com, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

export interface Chain {
  dir: string;
  /** Leaf key as unencrypted PKCS#8 DER. */
  keyPkcs8: Uint8Array;
  /** DER, leaf first: [leaf, intermediate, root]. */
  chain: [Uint8Array, Uint8Array, Uint8Array];
  files: { leafKey: string; leafCert: string; intermediateCert: string; rootCert: string; chainPem: string };
}

const DAYS = '-days 2'; // short-lived: these certificates exist for one test run

/** Fixed options as one string, split into argv words; file paths go separately so they stay whole. */
export const words = (options: string): string[] => options.trim().split(/\s+/);

/** Makes a 3-certificate chain whose three keys are all of `keyType`, in `dir` (which must exist). */
export async function makeChain(dir: string, keyType: KeyType, prefix = keyType): Promise<Chain> {
  const file = (name: string): string => join(dir, `${prefix}-${name}`);
  const ext = file('ext.cnf');
  await writeFile(ext, EXTENSIONS);
  const newKey = NEWKEY_ARGS[keyType];
  await run('openssl', [
    ...words(`req -x509 -nodes ${DAYS} -addext basicConstraints=critical,CA:true`),
    ...words('-addext keyUsage=critical,keyCertSign,cRLSign'),
    ...newKey,
    ...[
      '-subj',
      `/O=deploy-tls test/CN=Test Root ${keyType}`,
      '-keyout',
      file('root.key'),
      '-out',
      file('root.crt'),
    ],
  ]);
  const issue = async (name: string, subject: string, ca: string, extensions: string): Promise<void> => {
    const csr = file(`${name}.csr`);
    await run('openssl', [
      ...words('req -new -nodes'),
      ...newKey,
      '-subj',
      subject,
      '-keyout',
      file(`${name}.key`),
      '-out',
      csr,
    ]);
    await run('openssl', [
      ...words(`x509 -req -CAcreateserial ${DAYS} -extensions ${extensions}`),
      ...[
        '-extfile',
        ext,
        '-in',
        csr,
        '-CA',
        file(`${ca}.crt`),
        '-CAkey',
        file(`${ca}.key`),
        '-out',
        file(`${name}.crt`),
      ],
    ]);
  };
  await issue(
    'intermediate',
    `/O=deploy-tls test/CN=Test Intermediate ${keyType}`,
    'root',
    'v3_intermediate_ca',
  );
  await issue('leaf', '/O=deploy-tls test/CN=broker1.example.com', 'intermediate', 'node');

  const pems = await Promise.all(
    ['leaf', 'intermediate', 'root'].map((n) => readFile(file(`${n}.crt`), 'utf8')),
  );
  const chainPem = file('chain.pem');
  await writeFile(chainPem, pems.join(''));
  const der = pems.map((pem) => new Uint8Array(new X509Certificate(pem).raw));
  const keyPkcs8 = createPrivateKey(await readFile(file('leaf.key'))).export({
    format: 'der',
    type: 'pkcs8',
  });
  return {
    dir,
    keyPkcs8: new Uint8Array(keyPkcs8),
    chain: der as [Uint8Array, Uint8Array, Uint8Array],
    files: {
      leafKey: file('leaf.key'),
      leafCert: file('leaf.crt'),
      intermediateCert: file('intermediate.crt'),
      rootCert: file('root.crt'),
      chainPem,
    },
  };
}

/** Compares PKCS#8 keys by their canonical re-export, so encoding details do not matter. */
export function samePrivateKey(a: Uint8Array, b: Uint8Array): boolean {
  const canonical = (der: Uint8Array): Buffer =>
    createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' }).export({
      format: 'der',
      type: 'pkcs8',
    });
  return canonical(a).equals(canonical(b));
}
