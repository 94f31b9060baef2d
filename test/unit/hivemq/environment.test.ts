// biome-ignore-all lint/suspicious/noTemplateCurlyInString: HiveMQ placeholders are ${…} in plain strings
// Passwords out of config.xml: placeholders there, the values in a file systemd and sh read alike.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { applyTlsConfig, readTlsListener, redactPasswords } from '../../../src/hivemq/config.js';
import {
  environmentFileHolds,
  environmentFileText,
  PASSWORD_PLACEHOLDERS,
  parseEnvironmentFile,
  systemdDropIn,
  systemdDropInPath,
  systemdUnit,
  xmlText,
} from '../../../src/hivemq/environment.js';
import { storePasswords } from '../../../src/keystore/index.js';
import { Secret } from '../../../src/secret.js';
import { fixture, listenerSpec } from './cases.js';

const STOCK = fixture('stock-ce.before.xml');
const placeholders = listenerSpec({
  keystore: {
    path: '/etc/ssl/hivemq/hivemq-keystore.jks',
    password: PASSWORD_PLACEHOLDERS.keystore,
    privateKeyPassword: PASSWORD_PLACEHOLDERS.key,
  },
  truststore: { path: '/etc/ssl/hivemq/hivemq-truststore.jks', password: PASSWORD_PLACEHOLDERS.truststore },
});

describe('placeholders in config.xml', () => {
  it('writes ${ENV:…} where the passwords were, and nothing secret', () => {
    const out = applyTlsConfig(STOCK, { edition: 'community', listener: placeholders });
    expect(out).toContain('<password>${ENV:HIVEMQ_TLS_KEYSTORE_PASSWORD}</password>');
    expect(out).toContain(
      '<private-key-password>${ENV:HIVEMQ_TLS_PRIVATE_KEY_PASSWORD}</private-key-password>',
    );
    expect(out).toContain('<password>${ENV:HIVEMQ_TLS_TRUSTSTORE_PASSWORD}</password>');
    expect(applyTlsConfig(out, { edition: 'community', listener: placeholders })).toBe(out);
    // The diff a plan prints shows where a password comes from; a placeholder is no secret.
    expect(redactPasswords(out)).toBe(out);
  });

  it('switches between modes in place: placeholders replace passwords and back', () => {
    const inConfig = applyTlsConfig(STOCK, { edition: 'community', listener: listenerSpec() });
    const inEnvironment = applyTlsConfig(inConfig, { edition: 'community', listener: placeholders });
    expect(inEnvironment).not.toContain('test-store-pass');
    expect(applyTlsConfig(inEnvironment, { edition: 'community', listener: listenerSpec() })).toBe(inConfig);
  });

  it("escapes a password's $ so HiveMQ never takes it for a placeholder (it would exit on an unset one)", () => {
    const keystore = { ...listenerSpec().keystore, password: 'a${HOME}b$' };
    const out = applyTlsConfig(STOCK, { edition: 'community', listener: listenerSpec({ keystore }) });
    expect(out).toContain('<password>a&#36;{HOME}b$</password>');
    expect(out).not.toMatch(/\$\{HOME\}/);
    expect(readTlsListener(out, 'secure-listener')?.keystore?.password).toBe('a${HOME}b$');
    // A bare ${ left by an older writer is rewritten, although it decodes to the same text.
    const old = out.replace('a&#36;{HOME}b$', 'a${HOME}b$');
    expect(applyTlsConfig(old, { edition: 'community', listener: listenerSpec({ keystore }) })).toBe(out);
  });

  it('refuses a placeholder that is not a variable name', () => {
    const keystore = { ...listenerSpec().keystore, password: { env: 'A}<x' } };
    expect(() =>
      applyTlsConfig(STOCK, { edition: 'community', listener: listenerSpec({ keystore }) }),
    ).toThrow('"A}<x" is not an environment variable name');
  });
});

describe('the environment file', () => {
  const passwords = storePasswords('jks', {
    keystore: new Secret('plain', 'test'),
    key: new Secret('a"b\\c$d`e', 'test'),
    truststore: new Secret('</password><x>&\t', 'test'),
  });

  it('holds each password as XML text inside escaped double quotes, one line each', () => {
    const text = environmentFileText(passwords);
    expect(text.split('\n').filter((l) => !l.startsWith('#'))).toEqual([
      'HIVEMQ_TLS_KEYSTORE_PASSWORD="plain"',
      'HIVEMQ_TLS_PRIVATE_KEY_PASSWORD="a\\"b\\\\c\\$d\\`e"',
      'HIVEMQ_TLS_TRUSTSTORE_PASSWORD="&#60;/password&#62;&#60;x&#62;&#38;&#9;"',
      '',
    ]);
  });

  it('reads back what it wrote, and knows when a node already has these passwords', () => {
    const text = environmentFileText(passwords);
    expect(parseEnvironmentFile(text, 'f').get('HIVEMQ_TLS_KEYSTORE_PASSWORD')).toBe('plain');
    expect(parseEnvironmentFile(text, 'f').get('HIVEMQ_TLS_PRIVATE_KEY_PASSWORD')).toBe('a"b\\c$d`e');
    expect(environmentFileHolds(text, 'f', passwords)).toBe(true);
    expect(environmentFileHolds(text, 'f', { ...passwords, keystore: new Secret('other', 'test') })).toBe(
      false,
    );
  });

  it('refuses lines it did not write, naming file:line, and passwords XML cannot hold', () => {
    expect(() => parseEnvironmentFile('# ok\nexport X=1\n', '/etc/ssl/hivemq/hivemq-tls.env')).toThrow(
      '/etc/ssl/hivemq/hivemq-tls.env:2 is not a NAME="value" line deploy-tls wrote',
    );
    expect(() => xmlText('a\u0001b')).toThrow(InputError);
  });
});

describe('systemdDropIn', () => {
  it('points the hivemq unit at the file', () => {
    expect(systemdDropIn('/etc/ssl/hivemq/hivemq-tls.env')).toContain(
      '[Service]\nEnvironmentFile=/etc/ssl/hivemq/hivemq-tls.env\n',
    );
  });

  it('refuses paths a unit file would read differently', () => {
    for (const path of ['relative.env', '/etc/a b.env', '/etc/%h.env', '/etc/x\n[Service]'])
      expect(() => systemdDropIn(path)).toThrow(InputError);
  });
});

describe('systemdUnit: is the broker a systemd unit, and which one', () => {
  it.each([
    ['systemctl restart hivemq', 'hivemq'],
    ['systemctl restart hivemq.service', 'hivemq'],
    ['sudo -n /usr/bin/systemctl --no-block restart hivemq-broker@eu1', 'hivemq-broker@eu1'],
    ['  /bin/systemctl try-restart hivemq  ', 'hivemq'],
  ])('%s restarts the unit %s', (command, unit) => {
    expect(systemdUnit(command)).toBe(unit);
    expect(systemdDropInPath(unit)).toBe(`/etc/systemd/system/${unit}.service.d/deploy-tls-environment.conf`);
  });

  it.each([
    '/opt/hivemq/bin/hivemq-service restart',
    'systemctl restart hivemq && logger restarted',
    'systemctl restart ../../etc/x',
    'systemctl stop hivemq',
    '/usrsystemctl restart hivemq',
    'systemctl restart ..',
  ])('%s is not one: the service loads the file itself', (command) => {
    expect(systemdUnit(command)).toBeUndefined();
  });
});
