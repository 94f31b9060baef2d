// What a node gets when neither `defaults:` nor the node says otherwise: DESIGN.md's production
// defaults (systemd unit, /opt/hivemq, /etc/ssl/hivemq, port 8883, client certificates required).
import { DEFAULT_BACKUPS_KEPT } from '../hivemq/install.js';
import type { KeyType } from '../pki/profiles.js';
import type { SecretRef } from './schema.js';

/**
 * A node's ssh settings. Values left unset here come from the OpenSSH config, then from the
 * built-in defaults (src/remote/target.ts BUILTIN_SSH: root, 22, ~/.ssh/id_ed25519,
 * ~/.ssh/known_hosts), so the config can supply them: that is decided when connecting.
 */
export interface SshSettings {
  host?: string;
  user?: string;
  port?: number;
  privateKey?: string;
  passphrase?: SecretRef;
  knownHosts?: string;
  proxyJump?: string;
  configFile?: string;
  transport: 'builtin' | 'openssh';
  become: boolean;
  becomePassword?: SecretRef;
  agent: boolean;
  /** The agent's socket: SSH_AUTH_SOCK of the environment the loader was given. */
  agentSocket?: string;
}

/** auto: decided from what is installed on the node (hivemq/edition.ts). */
export type EditionSetting = 'auto' | 'community' | 'enterprise';

export interface HivemqSettings {
  home: string;
  /**
   * auto (default): the node's installation decides (hivemq/edition.ts decideEdition); community or
   * enterprise: checked against it, and an error when the node's own schema or license says otherwise.
   */
  edition: EditionSetting;
  serviceUser: string;
  restart: string;
  /** Seconds. */
  restartTimeout: number;
  log: string;
}

export type ClientAuth = 'NONE' | 'OPTIONAL' | 'REQUIRED';
export type TlsProtocol = 'TLSv1.2' | 'TLSv1.3';

/** One TLS listener, every value resolved (listeners.ts). */
export interface ListenerSettings {
  type: 'tcp' | 'websocket';
  name: string;
  port: number;
  bindAddress: string;
  /** websocket only. */
  path?: string;
  clientAuth: ClientAuth;
  protocols: TlsProtocol[];
  cipherSuites?: string[];
}

export interface TlsSettings {
  dir: string;
  /**
   * The short form `tls.listener`: merged from the defaults and the node, it gives a listener in
   * `listeners` the values it leaves out (listeners.ts); once loaded, the first of `listeners`.
   * Everything that acts on a node reads `listeners`.
   */
  listener: { name: string; port: number; bindAddress: string };
  /** Every TLS listener deploy-tls manages on the node; all share the node's keystore and truststore. */
  listeners: ListenerSettings[];
  /** Where HiveMQ finds the keystore passwords: in config.xml, or ${ENV:…} placeholders and environmentFile. */
  passwordsIn: 'config' | 'environment';
  /** Root-only (0600) file the service loads (systemd EnvironmentFile=); default <dir>/hivemq-tls.env. */
  environmentFile: string;
  clientAuth: ClientAuth;
  keystore: { format: 'jks' | 'pkcs12'; password: SecretRef; keyPassword?: SecretRef };
  truststore: { password: SecretRef };
  key: KeyType;
  days: number;
  renewBefore: string;
  protocols: TlsProtocol[];
  cipherSuites?: string[];
  /** Backup folders a node keeps under <dir>/backup. */
  backups: number;
}

export interface ClusterSettings {
  tls: boolean | 'auto';
  bindPort: number;
}

export interface NodeSettings {
  ssh: SshSettings;
  hivemq: HivemqSettings;
  tls: TlsSettings;
  cluster: ClusterSettings;
}

export const BUILTIN_DEFAULTS: NodeSettings = {
  ssh: {
    transport: 'builtin',
    become: false,
    agent: false,
  },
  hivemq: {
    home: '/opt/hivemq',
    edition: 'auto',
    serviceUser: 'hivemq',
    restart: 'systemctl restart hivemq',
    // HiveMQ stops in a few seconds and starts in ten or so; a restart still running after three
    // minutes is stuck, and holding the node (and the CA lock) longer helps nobody.
    restartTimeout: 180,
    log: '/opt/hivemq/log/hivemq.log',
  },
  tls: {
    dir: '/etc/ssl/hivemq',
    listener: { name: 'secure-listener', port: 8883, bindAddress: '0.0.0.0' },
    listeners: [], // resolved from `listener` or the inventory's `listeners` (listeners.ts)
    passwordsIn: 'config',
    environmentFile: '', // <dir>/hivemq-tls.env unless the inventory names one
    clientAuth: 'REQUIRED',
    keystore: { format: 'jks', password: { env: 'HIVEMQ_KEYSTORE_PASSWORD' } },
    truststore: { password: { env: 'HIVEMQ_TRUSTSTORE_PASSWORD' } },
    key: 'rsa-2048',
    days: 365,
    renewBefore: '30d',
    protocols: ['TLSv1.3', 'TLSv1.2'], // TLS 1.0/1.1 are refused
    backups: DEFAULT_BACKUPS_KEPT,
  },
  // auto: only a node that is Enterprise and has clustering enabled in its config.xml gets
  // cluster transport TLS. (A default of true wrote <cluster> into Community Edition configs.)
  cluster: { tls: 'auto', bindPort: 7800 },
};

type Plain = Record<string, unknown>;

const isPlain = (value: unknown): value is Plain =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Objects merge key by key; anything else (arrays included) is replaced by the override. */
export function deepMerge<T>(base: T, ...overrides: unknown[]): T {
  let result: unknown = base;
  for (const override of overrides) {
    if (override === undefined) continue;
    if (isPlain(result) && isPlain(override)) {
      const merged: Plain = { ...result };
      for (const [key, value] of Object.entries(override)) merged[key] = deepMerge(merged[key], value);
      result = merged;
    } else {
      result = override;
    }
  }
  return result as T;
}
