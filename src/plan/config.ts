// config.xml as an intent wants it, and the change shown as a diff with every password as ***.
// The passwords are revealed here, where the XML editor writes them, and live only in its output.
import { createTwoFilesPatch } from 'diff';
import { applyTlsConfig, type HiveMqTlsConfig, redactPasswords } from '../hivemq/config.js';
import type { ConfigChange, NodeIntent, TlsIntent } from './types.js';

/** The new config.xml text; the editor is idempotent, so a file already right comes back unchanged. */
export function desiredConfig(current: string, intent: NodeIntent): string {
  if (intent.config.kind === 'keep') return current;
  return applyTlsConfig(current, editorConfig(intent, intent.config.tls));
}

function editorConfig(intent: NodeIntent, tls: TlsIntent): HiveMqTlsConfig {
  const keystore = {
    path: intent.keystorePath,
    password: tls.passwords.keystore.reveal(),
    privateKeyPassword: tls.passwords.key.reveal(),
  };
  const truststore = { path: intent.truststorePath, password: tls.passwords.truststore.reveal() };
  return {
    edition: tls.edition,
    listener: {
      name: tls.listener.name,
      port: tls.listener.port,
      bindAddress: tls.listener.bindAddress,
      keystore,
      truststore,
      clientAuthenticationMode: tls.listener.clientAuth,
      protocols: tls.listener.protocols,
      cipherSuites: tls.listener.cipherSuites,
    },
    cluster:
      tls.edition === 'enterprise' && tls.cluster
        ? { bindPort: tls.cluster.bindPort, keystore, truststore }
        : undefined,
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
