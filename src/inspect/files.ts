// What inspect reads from disk besides TARGET: the CA's certificates (to judge chains) and a client
// bundle (to be let in by a broker that requires a client certificate).
import { createPrivateKey, type X509Certificate } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CaError, InputError, UsageError } from '../errors.js';
import { caLayout } from '../pki/index.js';
import type { Secret } from '../secret.js';
import { type CaAnchors, parseCertificate } from './certificate.js';
import type { ClientCredentials } from './served.js';
import { pemBlocks } from './target.js';

// Keystores, PEM chains and bundles are kilobytes; a bigger file is not one of them.
const MAX_FILE_BYTES = 16 * 1024 * 1024;

export async function readSmallFile(path: string, what: string): Promise<Uint8Array> {
  const info = await stat(path).catch((cause) => {
    throw new UsageError(`cannot read ${what} ${path}`, {
      hint: 'check the path and its permissions',
      cause,
    });
  });
  if (!info.isFile()) throw new UsageError(`${what} ${path} is not a file`);
  if (info.size > MAX_FILE_BYTES)
    throw new InputError(`${what} ${path} is ${info.size} bytes: not a keystore or certificate file`);
  return new Uint8Array(await readFile(path));
}

function certificatesOf(pem: Uint8Array, path: string): X509Certificate[] {
  return pemBlocks(Buffer.from(pem).toString('utf8'))
    .filter((block) => block.label === 'CERTIFICATE')
    .map((block, i) => parseCertificate(block.der, `${path}: certificate ${i + 1}`));
}

/** The root and every intermediate certificate the CA directory keeps (the issuing one first, then a rollover's). */
export async function readCaAnchors(dir: string): Promise<CaAnchors> {
  const layout = caLayout(dir);
  const first = async (path: string) => {
    const [certificate] = certificatesOf(
      await readSmallFile(path, 'CA certificate').catch((cause) => {
        throw new CaError(`no CA in ${dir}: cannot read ${path}`, {
          hint: 'point --ca-dir at the CA directory (the OpenSSL ca layout)',
          cause,
        });
      }),
      path,
    );
    if (!certificate) throw new CaError(`${path} holds no PEM certificate`);
    return certificate;
  };
  const root = await first(layout.rootCert);
  const intermediates = [await first(layout.intermediateCert)];
  const certs = join(layout.intermediateDir, 'certs');
  for (const name of (await readdir(certs)).sort()) {
    // intermediate-next (a rollover in progress) and intermediate-<serial> (one it replaced)
    if (/^intermediate-[A-Za-z0-9]+\.cert\.pem$/.test(name))
      intermediates.push(await first(join(certs, name)));
  }
  return { dir, root, intermediates };
}

/**
 * A client bundle as `issue client` or the inventory's clients write it: one <name>.key.pem,
 * its <name>.cert.pem and ca-chain.cert.pem. The key may be encrypted with the keystore password.
 */
export async function readClientBundle(
  dir: string,
  password: () => Promise<Secret>,
): Promise<ClientCredentials & { subject: string }> {
  const names = await readdir(dir).catch((cause) => {
    throw new UsageError(`cannot read the client bundle folder ${dir}`, {
      hint: 'give the folder `issue client --out` wrote',
      cause,
    });
  });
  const keys = names.filter((name) => name.endsWith('.key.pem'));
  if (keys.length !== 1) {
    throw new UsageError(`${dir} holds ${keys.length} *.key.pem files: a client bundle has one`, {
      hint: 'give the folder `issue client --out` wrote',
    });
  }
  const keyFile = join(dir, keys[0] as string);
  const certFile = keyFile.replace(/\.key\.pem$/, '.cert.pem');
  const [certificate] = certificatesOf(await readSmallFile(certFile, 'client certificate'), certFile);
  if (!certificate) throw new InputError(`${certFile} holds no PEM certificate`);
  const chainFile = join(dir, 'ca-chain.cert.pem');
  const chain = names.includes('ca-chain.cert.pem')
    ? certificatesOf(await readSmallFile(chainFile, 'CA chain'), chainFile)
    : [];
  const keyPem = Buffer.from(await readSmallFile(keyFile, 'client key')).toString('utf8');
  const encrypted = /ENCRYPTED/.test(keyPem);
  const secret = encrypted ? await password() : undefined;
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey({ key: keyPem, format: 'pem', passphrase: secret?.reveal() });
  } catch (cause) {
    throw new UsageError(`cannot read the client key ${keyFile}${encrypted ? ': wrong password' : ''}`, {
      hint: secret
        ? `the password came from ${secret.origin}; the bundle's key is encrypted with its keystore password`
        : 'is it a PEM private key?',
      cause,
    });
  }
  if (!certificate.checkPrivateKey(key)) throw new InputError(`${keyFile} is not the key of ${certFile}`);
  // The broker's truststore holds the intermediate: send it along, never the root (RFC 8446 4.4.2 allows omitting it).
  const intermediates = chain.filter((c) => !(c.checkIssued(c) && c.verify(c.publicKey)));
  return {
    cert: [certificate, ...intermediates].map((c) => c.toString()).join(''),
    key: key.export({ type: 'pkcs8', format: 'pem' }) as string,
    subject: certificate.subject.split('\n').join(', '),
  };
}
