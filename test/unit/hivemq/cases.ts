// The golden config.xml cases, shared by the unit tests (byte-for-byte) and the interop tests
// (xmllint against HiveMQ's config.xsd). Passwords are made-up test values, not secrets.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HiveMqTlsConfig, TlsListenerSpec } from '../../../src/hivemq/config.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/hivemq/', import.meta.url));

export function fixture(name: string): string {
  return readFileSync(`${FIXTURES}${name}`, 'utf8');
}

/** The listener the inventory's defaults describe (DESIGN.md), with test passwords. */
export function listenerSpec(overrides: Partial<TlsListenerSpec> = {}): TlsListenerSpec {
  return {
    name: 'secure-listener',
    port: 8883,
    bindAddress: '0.0.0.0',
    keystore: {
      path: '/etc/ssl/hivemq/hivemq-keystore.jks',
      password: 'test-store-pass',
      privateKeyPassword: 'test-key-pass',
    },
    truststore: { path: '/etc/ssl/hivemq/hivemq-truststore.jks', password: 'test-trust-pass' },
    clientAuthenticationMode: 'REQUIRED',
    ...overrides,
  };
}

export interface GoldenCase {
  /** test/fixtures/hivemq/<name>.before.xml → <name>.after.xml */
  name: string;
  why: string;
  config: HiveMqTlsConfig;
}

export const GOLDEN_CASES: GoldenCase[] = [
  {
    name: 'stock-ce',
    why: "HiveMQ CE 2025.5's own conf/config.xml gains the mTLS listener",
    config: { edition: 'community', listener: listenerSpec() },
  },
  {
    name: 'several-listeners',
    why: 'comments, 2-space indentation and other listeners (one of them TLS) stay as they are',
    config: {
      edition: 'community',
      listener: listenerSpec({
        protocols: ['TLSv1.3', 'TLSv1.2'],
        cipherSuites: ['TLS_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
      }),
    },
  },
  {
    name: 'existing-listener',
    why: "the article's secure-listener with old values is updated in place, its order and comments kept",
    config: { edition: 'community', listener: listenerSpec({ protocols: ['TLSv1.3', 'TLSv1.2'] }) },
  },
  {
    name: 'no-listeners',
    why: 'a tab-indented file without <listeners> gets one',
    config: { edition: 'community', listener: listenerSpec({ clientAuthenticationMode: 'OPTIONAL' }) },
  },
  {
    name: 'websocket-and-tcp',
    why: "a wss:// listener takes over CE's unnamed TLS websocket sample (subprotocols kept), a tcp one is added, the partner's is untouched",
    config: {
      edition: 'community',
      listeners: [
        listenerSpec({ protocols: ['TLSv1.3', 'TLSv1.2'] }),
        listenerSpec({ type: 'websocket', name: 'secure-ws', port: 8001, path: '/mqtt' }),
      ],
    },
  },
  {
    name: 'enterprise-cluster',
    why: 'enterprise: cluster transport TLS added to the existing <cluster>, discovery kept',
    config: {
      edition: 'enterprise',
      listener: listenerSpec(),
      cluster: {
        bindPort: 7800,
        keystore: {
          path: '/etc/ssl/hivemq/hivemq-keystore.jks',
          password: 'test-store-pass',
          privateKeyPassword: 'test-key-pass',
        },
        truststore: { path: '/etc/ssl/hivemq/hivemq-truststore.jks', password: 'test-trust-pass' },
      },
    },
  },
];
