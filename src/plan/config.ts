// config.xml as an intent wants it, and the change shown as a diff with every password as ***.
// The passwords are revealed here, where the XML editor writes them, and live only in its output;
// in environment mode config.xml gets ${ENV:…} placeholders and the passwords go to the
// environment file (hivemq/environment.ts), whose text is made here too.
import { createTwoFilesPatch } from 'diff';
import {
  applyTlsConfig,
  type HiveMqTlsConfig,
  type KeystoreRef,
  redactPasswords,
  type StoreRef,
} from '../hivemq/config.js';
import { environmentFileText, PASSWORD_PLACEHOLDERS, systemdDropIn } from '../hivemq/environment.js';
import type { ConfigChange, NodeIntent, TlsIntent } from './types.js';

/** The new config.xml text; the editor is idempotent, so a file already right comes back unchanged. */
export function desiredConfig(current: string, intent: NodeIntent): string {
  if (intent.config.kind === 'keep') return current;
  return applyTlsConfig(current, editorConfig(intent, intent.config.tls));
}

/** The environment file's text (environment mode): the passwords, revealed into it. */
export function desiredEnvironmentFile(tls: TlsIntent): string {
  return environmentFileText(tls.passwords);
}

/** The systemd drop-in that loads the environment file, when the broker is a systemd unit. */
export function desiredDropIn(tls: TlsIntent): string | undefined {
  return tls.environment?.systemd ? systemdDropIn(tls.environment.file) : undefined;
}

function editorConfig(intent: NodeIntent, tls: TlsIntent): HiveMqTlsConfig {
  const inEnvironment = tls.environment !== undefined;
  const keystore: KeystoreRef = {
    path: intent.keystorePath,
    password: inEnvironment ? PASSWORD_PLACEHOLDERS.keystore : tls.passwords.keystore.reveal(),
    privateKeyPassword: inEnvironment ? PASSWORD_PLACEHOLDERS.key : tls.passwords.key.reveal(),
  };
  const truststore: StoreRef = {
    path: intent.truststorePath,
    password: inEnvironment ? PASSWORD_PLACEHOLDERS.truststore : tls.passwords.truststore.reveal(),
  };
  return {
    edition: tls.edition.edition,
    listeners: tls.listeners.map((listener) => ({
      type: listener.type,
      name: listener.name,
      port: listener.port,
      bindAddress: listener.bindAddress,
      ...(listener.path === undefined ? {} : { path: listener.path }),
      keystore,
      truststore,
      clientAuthenticationMode: listener.clientAuth,
      protocols: listener.protocols,
      cipherSuites: listener.cipherSuites,
    })),
    cluster: tls.cluster.secure ? { bindPort: tls.cluster.bindPort, keystore, truststore } : undefined,
  };
}

/** What changes in config.xml, for people: a unified diff with the passwords redacted. */
export function configChange(path: string, current: string, desired: string): ConfigChange {
  if (desired === current) return { path, changed: false, diff: [] };
  const before = redactPasswords(current);
  const after = redactPasswords(desired);
  if (before === after) return { path, changed: true, diff: ['(config.xml: only passwords change)'] };
  const patch = createTwoFilesPatch(path, path, before, after, 'now', 'planned');
  const diff = patch
    .split('\n')
    .slice(2)
    .filter((line) => line !== '');
  return { path, changed: true, diff };
}
