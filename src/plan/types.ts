// The values a plan is made from and made of. Facts are read from nodes and the CA; intents say
// what the inventory asks; the plan says per node what changes and why. All plain data (secrets
// travel as Secret): printing and applying are elsewhere.
import type { DeployTlsError } from '../errors.js';
import type { PendingChange } from '../facts/pending.js';
import type { ClientAuthMode, ListenerType } from '../hivemq/config.js';
import type { EditionDecision } from '../hivemq/edition.js';
import type { InstallFacts } from '../hivemq/install-probe.js';
import type { StorePaths } from '../hivemq/store-paths.js';
import type { KeystoreFormat, StorePasswords } from '../keystore/index.js';
import type { KeyType } from '../pki/profiles.js';

export interface DeployedCertificate {
  serial: string;
  sans: string[]; // "DNS:broker1.example.com", "IP:10.0.0.11"
  notBefore: Date;
  notAfter: Date;
  keyType: KeyType | undefined;
  /** The leaf verifies against our current intermediate. */
  issuedByCa: boolean;
}

export interface KeystoreFact {
  exists: boolean;
  /** Opened with the inventory's store and key passwords. */
  opens: boolean;
  /** What the bytes are, whatever the file is called. */
  format?: KeystoreFormat;
  certificate?: DeployedCertificate;
  problem?: string;
  /** Mode and owner on the node, when it exists. */
  ownership?: FileOwnership;
}

/** A certificate a truststore makes Java trust. */
export interface TrustAnchor {
  /** SHA-256 (hex) of the DER. */
  fingerprint: string;
  /** "C=DE, O=Example, CN=Example Intermediate CA" */
  subject: string;
  der: Uint8Array;
}

export interface TruststoreFact {
  exists: boolean;
  opens: boolean;
  format?: KeystoreFormat;
  /** SHA-256 fingerprints (hex) of the trusted certificates (the anchors'). */
  certificates: string[];
  /** What Java trusts from this store: trusted-certificate entries and the certificates of key entries. */
  anchors: TrustAnchor[];
  /** Key entries (a private key) in the store: the article's broker truststore holds the client's. */
  keyEntries: number;
  problem?: string;
  /** Mode and owner on the node, when it exists. */
  ownership?: FileOwnership;
}

export interface FileOwnership {
  mode: number;
  owner: string;
  group: string;
}

/**
 * What the TLS listener serves now, seen from the control host: a serial, a refused connection
 * (nothing listens), or something that says neither (a timeout, a handshake the broker refused).
 */
export type ServedFact =
  | { kind: 'serial'; serial: string; notAfter?: Date }
  | { kind: 'refused' }
  | { kind: 'unknown'; reason: string };

/** What one TLS listener of the inventory serves, by its port on the node's address. */
export interface ServedListener {
  name: string;
  port: number;
  served: ServedFact;
}

export interface NodeFacts {
  node: string;
  configXml: string | undefined;
  /** Kept when config.xml is rewritten. */
  configOwnership?: FileOwnership;
  /** The HiveMQ installation: its schema, jar manifest and license files (hivemq/install-probe.ts). */
  install: InstallFacts;
  /** Where the keystore and truststore are: where config.xml points, else the inventory's tls.dir. */
  stores: StorePaths;
  keystore: KeystoreFact;
  truststore: TruststoreFact;
  /** tls.passwordsIn: environment: the environment file and systemd drop-in as the node has them. */
  environment?: { file?: string; fileOwnership?: FileOwnership; dropIn?: string };
  /** A change an earlier run installed and never confirmed (facts/pending.ts). */
  pending?: PendingChange;
  /** What each TLS listener serves now, in the inventory's order; undefined when not looked at. */
  served?: ServedListener[];
}

export interface CaState {
  /** SHA-256 fingerprints (hex) a broker truststore must hold exactly. */
  trusted: string[];
  /** Per node, the serial the ledger last recorded as deployed there. */
  recorded: Readonly<Record<string, string>>;
}

/** One TLS listener the inventory asks config.xml for (tcp: <tls-tcp-listener>, websocket: <tls-websocket-listener>). */
export interface ListenerIntent {
  type: ListenerType;
  name: string;
  port: number;
  bindAddress: string;
  /** websocket only. */
  path?: string;
  clientAuth: ClientAuthMode;
  /** [] leaves HiveMQ's defaults (no <protocols>). */
  protocols?: string[];
  cipherSuites?: string[];
}

/** The TLS listeners (and Enterprise cluster TLS) the inventory asks config.xml for. */
export interface TlsIntent {
  /** The node's edition, decided from its installation and the inventory (hivemq/edition.ts). */
  edition: EditionDecision;
  /** Every listener deploy-tls manages on the node; all share its keystore and truststore. */
  listeners: ListenerIntent[];
  passwords: StorePasswords;
  /** Cluster transport TLS (Enterprise only) and why it is (not) written (decideClusterTls). */
  cluster: { secure: boolean; reason: string; bindPort: number };
  /**
   * tls.passwordsIn: environment: config.xml holds ${ENV:…} placeholders and the passwords live in
   * this file, loaded by the systemd unit through the drop-in, or by the operator's own service.
   */
  environment?: { file: string; systemd?: { unit: string; dropIn: string } };
}

/** A listener a rotation renews: config.xml must already have it. */
export interface KeptListener {
  type: ListenerType;
  name: string;
  port: number;
  /** websocket only: where the gate's wss:// round trip goes. */
  path?: string;
}

/**
 * What config.xml must say: the inventory's TLS listeners, written where they differ; or, for a
 * rotation, whatever the node has, which must then already hold the named listeners.
 */
export type ConfigIntent = { kind: 'tls'; tls: TlsIntent } | { kind: 'keep'; listeners: KeptListener[] };

export interface NodeIntent {
  node: string;
  keystorePath: string;
  truststorePath: string;
  configPath: string;
  sans: string[];
  keyType: KeyType;
  /** "30d" or "33%" of the lifetime. */
  renewBefore: string;
  /** Re-issue even when the deployed certificate is fine (rotate --force). */
  force: boolean;
  /** Mode and owner both stores must have (the broker's user reads them through the group). */
  storeOwnership: FileOwnership;
  config: ConfigIntent;
}

export type NodeAction = 'none' | 'hot-reload' | 'restart';

export interface ConfigChange {
  path: string;
  changed: boolean;
  /** A unified diff of config.xml with every password shown as ***. */
  diff: string[];
}

export interface NodePlan {
  node: string;
  /** Why a new certificate is needed; empty when the deployed one is kept. */
  issueReasons: string[];
  current?: DeployedCertificate;
  replaceKeystore: boolean;
  replaceTruststore: boolean;
  truststoreReason?: string;
  config: ConfigChange;
  /** Where the current certificate is served now, to prove after a rollback; none without a TLS listener. */
  servedBefore?: { serial: string; port: number };
  /**
   * Why the broker must restart although no file differs: an interrupted change to finish, or files
   * on disk that the broker is not serving.
   */
  restartReason?: string;
  /** Finishing an interrupted change: its marker, whose backup holds the last files known to work. */
  pending?: PendingChange;
  /** The node serves our certificate, the one in its keystore, but the ledger lacks it: record it. */
  recordServed?: string;
  /** The edition config.xml is written for, with the evidence (undefined for a rotation). */
  edition?: EditionDecision;
  /** Whether cluster transport TLS is written, and why (undefined for a rotation). */
  cluster?: { secure: boolean; reason: string };
  /** Environment mode: the environment file (and systemd drop-in) to write, and why. */
  environment?: EnvironmentChange;
  /** What is not as the inventory asks but needs no change of its own (e.g. a store's mode). */
  warnings: string[];
  action: NodeAction;
}

export interface EnvironmentChange {
  path: string;
  changed: boolean;
  /** Why it is written: "no /etc/ssl/hivemq/hivemq-tls.env yet", "it holds other passwords". */
  reason?: string;
  /** The drop-in for the systemd unit (daemon-reload before the restart when it changes). */
  dropIn?: { path: string; unit: string; changed: boolean };
}

/** A node the plan cannot be made for (e.g. a config.xml the editor refuses): that node's error. */
export interface PlanProblem {
  node: string;
  error: DeployTlsError;
}

export interface Plan {
  createdAt: Date;
  nodes: NodePlan[];
  problems: PlanProblem[];
}
