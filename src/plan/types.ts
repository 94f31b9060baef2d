// The values a plan is made from and made of. Facts are read from nodes and the CA; intents say
// what the inventory asks; the plan says per node what changes and why. All plain data (secrets
// travel as Secret): printing and applying are elsewhere.
import type { DeployTlsError } from '../errors.js';
import type { PendingChange } from '../facts/pending.js';
import type { ClientAuthMode } from '../hivemq/config.js';
import type { StorePasswords } from '../keystore/index.js';
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
  certificate?: DeployedCertificate;
  problem?: string;
  /** Mode and owner on the node, when it exists. */
  ownership?: FileOwnership;
}

export interface TruststoreFact {
  exists: boolean;
  opens: boolean;
  /** SHA-256 fingerprints (hex) of the trusted certificates. */
  certificates: string[];
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

export interface NodeFacts {
  node: string;
  configXml: string | undefined;
  /** Kept when config.xml is rewritten. */
  configOwnership?: FileOwnership;
  keystore: KeystoreFact;
  truststore: TruststoreFact;
  /** A change an earlier run installed and never confirmed (facts/pending.ts). */
  pending?: PendingChange;
  /** What the node's TLS listener serves now; undefined when it was not looked at. */
  served?: ServedFact;
}

export interface CaState {
  /** SHA-256 fingerprints (hex) a broker truststore must hold exactly. */
  trusted: string[];
  /** Per node, the serial the ledger last recorded as deployed there. */
  recorded: Readonly<Record<string, string>>;
}

/** The TLS listener (and Enterprise cluster TLS) the inventory asks config.xml for. */
export interface TlsIntent {
  edition: 'community' | 'enterprise';
  listener: {
    name: string;
    port: number;
    bindAddress: string;
    clientAuth: ClientAuthMode;
    protocols?: string[];
    cipherSuites?: string[];
  };
  passwords: StorePasswords;
  /** Cluster transport TLS on this bind port (Enterprise only). */
  cluster?: { bindPort: number };
}

/**
 * What config.xml must say: the inventory's TLS listener, written where it differs; or, for a
 * rotation, whatever the node has, which must then already hold the named listener.
 */
export type ConfigIntent =
  | { kind: 'tls'; tls: TlsIntent }
  | { kind: 'keep'; listener: { name: string; port: number } };

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
  /** What is not as the inventory asks but needs no change of its own (e.g. a store's mode). */
  warnings: string[];
  action: NodeAction;
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
