// One TLS handshake from the control host, to see what a node really serves. Connects to the
// node's address and checks the certificate against the node's *name* explicitly, since
// clients use the name while we may only reach the address.
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import {
  checkServerIdentity,
  connect,
  createSecureContext,
  type PeerCertificate,
  type SecureContext,
  type SecureVersion,
} from 'node:tls';
import { sansFromText } from '../pki/san.js';

export interface ClientIdentity {
  cert: string; // PEM chain
  key: string; // PEM
}

export interface TlsProbeOptions {
  address: string;
  port: number;
  /** The name clients use; sent as SNI when it is a DNS name. */
  host: string;
  /** PEM CA certificates the served chain must lead to. */
  ca: string;
  client?: ClientIdentity;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  /** Let this client offer TLS 1.0/1.1, which OpenSSL 3 refuses by default, to see whether the server does. */
  allowLegacy?: boolean;
  timeoutMs: number;
}

export interface ServedCertificate {
  serial: string; // upper-case hex, no leading zeros dropped: as openssl prints it
  subject: string;
  sans: string[];
  notAfter: Date;
  sha256: string;
  /** Length of the chain the client built from what was served (leaf to root). */
  chainLength: number;
  protocol: string;
  /** The chain leads to `ca`. */
  trusted: boolean;
  trustError?: string;
  /** The certificate covers `host`. */
  nameMatches: boolean;
  handshakeMs: number;
}

export class TlsProbeError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/**
 * Secure contexts by what they are made of. Building one parses the CA chain and the client's key
 * and chain again, which tls.connect does on every call: a rollout's gates poll each node every
 * half second with the same few, and at twenty nodes that was a second of the control host's CPU.
 */
const contexts = new Map<string, SecureContext>();

function secureContext(options: TlsProbeOptions): SecureContext {
  const { ca, client, minVersion, maxVersion, allowLegacy } = options;
  const id = createHash('sha256')
    .update(JSON.stringify([ca, client?.cert, client?.key, minVersion, maxVersion, allowLegacy === true]))
    .digest('hex');
  let context = contexts.get(id);
  if (!context) {
    context = createSecureContext({
      ca,
      cert: client?.cert,
      key: client?.key,
      minVersion,
      maxVersion,
      ciphers: allowLegacy ? 'DEFAULT@SECLEVEL=0' : undefined,
    });
    contexts.set(id, context);
  }
  return context;
}

export function probeTls(options: TlsProbeOptions): Promise<ServedCertificate> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: options.address,
      port: options.port,
      servername: isIP(options.host) ? undefined : options.host,
      secureContext: secureContext(options),
      rejectUnauthorized: false, // judged below, so a bad certificate is reported, not just refused
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TlsProbeError(`no TLS handshake within ${options.timeoutMs} ms`, 'ETIMEDOUT'));
    }, options.timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const peer = socket.getPeerCertificate(true);
      const served = describe(peer, options.host);
      resolve({
        ...served,
        protocol: socket.getProtocol() ?? '?',
        trusted: socket.authorized,
        trustError: socket.authorizationError ? String(socket.authorizationError) : undefined,
        handshakeMs: Math.round(performance.now() - started),
      });
      socket.end();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new TlsProbeError(error.message, error.code));
    });
  });
}

function describe(peer: PeerCertificate & { issuerCertificate?: PeerCertificate }, host: string) {
  let chainLength = 0;
  const seen = new Set<string>();
  for (
    let cert: typeof peer | undefined = peer;
    cert?.raw && !seen.has(cert.fingerprint256);
    cert = cert.issuerCertificate
  ) {
    seen.add(cert.fingerprint256);
    chainLength++;
  }
  return {
    serial: peer.serialNumber.toUpperCase(),
    subject: Object.entries(peer.subject ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(', '),
    sans: sansFromText(peer.subjectaltname),
    notAfter: new Date(peer.valid_to),
    sha256: peer.fingerprint256,
    chainLength,
    nameMatches: checkServerIdentity(host, peer) === undefined,
  };
}
