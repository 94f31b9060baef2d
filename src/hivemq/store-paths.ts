// Where the node's keystore and truststore live. A fleet set up by hand (HiveMQ's article) already
// has config.xml pointing at its stores, e.g. /etc/ssl/hivemq/root/keystores/hivemq-keystore.jks
// holding PKCS#12 bytes (Java 17's keytool); inventory `format:` says what deploy-tls writes, never
// where: a path config.xml already uses is kept, whatever its extension. HiveMQ opens both formats
// from either name (it loads stores as type JKS, which on Java 9+ also reads PKCS#12).
import { InputError } from '../errors.js';
import { type ListenerType, readTlsListeners } from './config.js';

export interface StorePaths {
  keystore: string;
  truststore: string;
  /** Where each path came from, for the plan: "config.xml (listener secure-listener)" or "tls.dir". */
  source: 'config.xml' | 'inventory';
}

export interface ManagedListener {
  type: ListenerType;
  name: string;
  port: number;
}

/**
 * The store paths for the listeners deploy-tls manages on this node: the ones config.xml gives
 * those listeners (matched as applyTlsConfig matches them: by name and type, else an unnamed one of
 * the type on the port), else `defaults` (<tls.dir>/hivemq-keystore.<ext> …). All managed listeners
 * share one keystore and one truststore, so listeners that point at different files are an error.
 */
export function storePaths(
  configXml: string | undefined,
  managed: readonly ManagedListener[],
  defaults: { keystore: string; truststore: string },
  node: string,
): StorePaths {
  const existing = configXml === undefined ? [] : readTlsListeners(configXml);
  const matched = managed.flatMap((listener) => {
    const found =
      existing.find((e) => e.type === listener.type && e.name === listener.name) ??
      existing.find((e) => e.type === listener.type && e.name === undefined && e.port === listener.port);
    return found ? [{ listener, found }] : [];
  });
  const distinct = (paths: (string | undefined)[]) => [...new Set(paths.filter((p): p is string => !!p))];
  const keystores = distinct(matched.map((m) => m.found.keystore?.path));
  const truststores = distinct(matched.map((m) => m.found.truststore?.path));
  if (keystores.length > 1 || truststores.length > 1)
    throw new InputError(
      `config.xml gives the listeners ${matched.map((m) => `"${m.listener.name}"`).join(', ')} different stores (${[...keystores, ...truststores].join(', ')}), and deploy-tls gives every listener of a node the same keystore and truststore`,
      {
        node,
        hint: 'point those listeners at one keystore and one truststore in config.xml, or manage only one of them',
      },
    );
  const [keystore] = keystores;
  const [truststore] = truststores;
  return {
    keystore: keystore ?? defaults.keystore,
    truststore: truststore ?? defaults.truststore,
    source: keystore || truststore ? 'config.xml' : 'inventory',
  };
}
