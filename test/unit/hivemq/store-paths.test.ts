// format: never renames a store config.xml already points at.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { applyTlsConfig } from '../../../src/hivemq/config.js';
import { storePaths } from '../../../src/hivemq/store-paths.js';
import { fixture, listenerSpec } from './cases.js';

const defaults = {
  keystore: '/etc/ssl/hivemq/hivemq-keystore.p12',
  truststore: '/etc/ssl/hivemq/hivemq-truststore.p12',
};
const tcp = { type: 'tcp' as const, name: 'secure-listener', port: 8883 };

describe('storePaths', () => {
  it("keeps the article's hand-made paths, .jks and all, whatever format the inventory asks for", () => {
    expect(storePaths(fixture('existing-listener.before.xml'), [tcp], defaults, 'b')).toEqual({
      keystore: '/etc/ssl/hivemq/root/keystores/hivemq-keystore.jks',
      truststore: '/etc/ssl/hivemq/root/keystores/mqtt-client-truststore.jks',
      source: 'config.xml',
    });
  });

  it("uses the inventory's paths when config.xml has no store for the managed listeners", () => {
    expect(storePaths(fixture('stock-ce.before.xml'), [tcp], defaults, 'b')).toEqual({
      ...defaults,
      source: 'inventory',
    });
    expect(storePaths(undefined, [tcp], defaults, 'b').source).toBe('inventory');
    // A listener deploy-tls does not manage keeps its own stores, and does not lend them.
    expect(storePaths(fixture('several-listeners.before.xml'), [tcp], defaults, 'b').source).toBe(
      'inventory',
    );
  });

  it('matches an unnamed TLS listener on the port, as the config editor takes it over', () => {
    const unnamed = fixture('existing-listener.before.xml').replace('<name>secure-listener</name>\n', '');
    expect(storePaths(unnamed, [tcp], defaults, 'b').keystore).toBe(
      '/etc/ssl/hivemq/root/keystores/hivemq-keystore.jks',
    );
  });

  it('refuses listeners that config.xml points at different keystores', () => {
    const two = applyTlsConfig(fixture('stock-ce.before.xml'), {
      edition: 'community',
      listeners: [
        listenerSpec(),
        listenerSpec({
          type: 'websocket',
          name: 'wss',
          port: 8443,
          keystore: { ...listenerSpec().keystore, path: '/other/ks.jks' },
        }),
      ],
    });
    expect(() =>
      storePaths(two, [tcp, { type: 'websocket', name: 'wss', port: 8443 }], defaults, 'broker1'),
    ).toThrow(InputError);
  });
});
