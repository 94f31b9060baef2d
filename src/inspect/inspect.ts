// `deploy-tls inspect TARGET`: what a keystore, a certificate file or a TLS listener holds, and
// whether it leads to our CA, as `step certificate inspect` shows a certificate.

import { X509Certificate } from 'node:crypto';
import { access } from 'node:fs/promises';
import { isIP } from 'node:net';
import { DeployTlsError, UsageError } from '../errors.js';
import type { Secret } from '../secret.js';
import { classifyFailure } from '../smoke/classify.js';
import {
  type CertificateDetails,
  type ChainVerdict,
  checkChain,
  describeCertificate,
  parseCertificate,
} from './certificate.js';
import { readCaAnchors, readClientBundle, readSmallFile } from './files.js';
import { fetchServedChain } from './served.js';
import { type CertificateGroup, readFileContents } from './store.js';
import { detectFormat, parseAddress } from './target.js';

export interface InspectOptions {
  target: string;
  /** Judge every chain against this CA directory. */
  caDir?: string;
  /** host:port only: present this client bundle (mutual TLS). */
  clientBundle?: string;
  timeoutMs: number;
}

export interface InspectDeps {
  /** The store (or client key) password: asked for only when the target needs one. */
  password(): Promise<Secret>;
  now(): Date;
}

export interface InspectedEntry {
  alias?: string;
  kind: CertificateGroup['kind'] | 'served';
  certificates: CertificateDetails[];
  /** With --ca-dir: whether the entry's first certificate leads to the CA's root. */
  chainsToCa?: ChainVerdict;
}

export interface InspectReport {
  target: string;
  source: 'jks' | 'pkcs12' | 'pem' | 'der' | 'tls';
  caDir?: string;
  /** PEM files: a private key is there too (its contents are never shown). */
  privateKey?: 'encrypted' | 'unencrypted';
  tls?: {
    host: string;
    port: number;
    protocol: string;
    cipher: string;
    handshakeMs: number;
    /** The served leaf covers `host` (RFC 6125 matching, as clients check it). */
    nameMatches: boolean;
    /** The subject of the client certificate presented, with --client-bundle. */
    clientCertificate?: string;
  };
  entries: InspectedEntry[];
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

export async function inspect(options: InspectOptions, deps: InspectDeps): Promise<InspectReport> {
  const now = deps.now();
  const anchors = options.caDir ? await readCaAnchors(options.caDir) : undefined;
  const judge = (
    groups: { alias?: string; kind: InspectedEntry['kind']; certificates: X509Certificate[] }[],
  ) => {
    const presented = groups.flatMap((group) => group.certificates);
    return groups.map((group): InspectedEntry => {
      const [first] = group.certificates;
      return {
        alias: group.alias,
        kind: group.kind,
        certificates: group.certificates.map((c) => describeCertificate(c, now)),
        chainsToCa: anchors && first ? checkChain(first, presented, anchors, now) : undefined,
      };
    });
  };

  if (await exists(options.target)) {
    if (options.clientBundle)
      throw new UsageError('--client-bundle goes with a host:port TARGET, not a file');
    const bytes = await readSmallFile(options.target, 'TARGET');
    const format = detectFormat(bytes, isCertificateDer);
    if (!format) {
      throw new UsageError(
        `${options.target} is neither a keystore (JKS, PKCS#12) nor a PEM or DER certificate`,
      );
    }
    const password = format === 'jks' || format === 'pkcs12' ? await deps.password() : undefined;
    const contents = readFileContents(options.target, bytes, format, password);
    return {
      target: options.target,
      source: contents.format,
      caDir: options.caDir,
      privateKey: contents.privateKey,
      entries: judge(contents.groups),
    };
  }

  const address = parseAddress(options.target);
  if (!address) {
    throw new UsageError(`TARGET ${options.target}: no such file, and not host:port`, {
      hint: 'give a keystore, a PEM file, or a listener such as broker1.example.com:8883',
    });
  }
  const client = options.clientBundle
    ? await readClientBundle(options.clientBundle, deps.password)
    : undefined;
  const served = await fetchServedChain(address, { client, timeoutMs: options.timeoutMs }).catch((error) => {
    const failure = classifyFailure(error);
    const needsClient = failure.class === 'tls-client-cert-refused' && !client;
    throw new DeployTlsError(`${options.target}: ${failure.summary} (${(error as Error).message})`, {
      hint: needsClient ? 'the listener wants a client certificate: add --client-bundle DIR' : failure.hint,
      cause: error,
    });
  });
  const certificates = served.chain.map((der, i) =>
    parseCertificate(der, `${options.target}: served certificate ${i + 1}`),
  );
  const [leaf] = certificates;
  return {
    target: options.target,
    source: 'tls',
    caDir: options.caDir,
    tls: {
      ...address,
      protocol: served.protocol,
      cipher: served.cipher,
      handshakeMs: served.handshakeMs,
      nameMatches: leaf ? coversHost(leaf, address.host) : false,
      clientCertificate: client?.subject,
    },
    entries: judge([{ kind: 'served', certificates }]),
  };
}

function coversHost(certificate: X509Certificate, host: string): boolean {
  return (isIP(host) ? certificate.checkIP(host) : certificate.checkHost(host)) !== undefined;
}

function isCertificateDer(der: Uint8Array): boolean {
  try {
    return new X509Certificate(der).raw.length > 0;
  } catch {
    return false;
  }
}
