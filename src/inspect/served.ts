// The chain a TLS server sends, read with one handshake. Nothing is trusted here: the chain is
// reported as sent and judged afterwards against the CA (checkChain), so a bad one is shown, not refused.
import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate } from 'node:tls';
import type { Address } from './target.js';

export interface ClientCredentials {
  /** PEM: the client certificate, then the intermediate. */
  cert: string;
  /** Unencrypted PEM, in memory only. */
  key: string;
}

export interface ServedChain {
  /** DER certificates in the order the server sent them, leaf first. */
  chain: Uint8Array[];
  protocol: string;
  cipher: string;
  handshakeMs: number;
}

export function fetchServedChain(
  address: Address,
  options: { client?: ClientCredentials; timeoutMs: number },
): Promise<ServedChain> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: address.host,
      port: address.port,
      servername: isIP(address.host) ? undefined : address.host, // RFC 6066: SNI carries DNS names only
      cert: options.client?.cert,
      key: options.client?.key,
      rejectUnauthorized: false, // judged by checkChain, so an untrusted chain is reported, not hidden
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        Object.assign(new Error(`no TLS handshake within ${options.timeoutMs} ms`), { code: 'ETIMEDOUT' }),
      );
    }, options.timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve({
        chain: sentChain(socket.getPeerCertificate(true)),
        protocol: socket.getProtocol() ?? '?',
        cipher: socket.getCipher().standardName,
        handshakeMs: Math.round(performance.now() - started),
      });
      socket.end();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

/** Node links the peer's certificates through issuerCertificate; a self-signed root links to itself. */
function sentChain(peer: DetailedPeerCertificate): Uint8Array[] {
  const chain: Uint8Array[] = [];
  const seen = new Set<string>();
  for (let cert: DetailedPeerCertificate | undefined = peer; cert?.raw; cert = cert.issuerCertificate) {
    if (seen.has(cert.fingerprint256)) break;
    seen.add(cert.fingerprint256);
    chain.push(new Uint8Array(cert.raw));
  }
  return chain;
}
