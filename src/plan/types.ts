// The values a plan is made from and made of. Facts are read from nodes and the CA; the plan
// says per node what changes and why. Both are plain data: printing and applying are elsewhere.
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
}

export interface TruststoreFact {
  exists: boolean;
  opens: boolean;
  /** SHA-256 fingerprints (hex) of the trusted certificates. */
  certificates: string[];
}

export interface FileOwnership {
  mode: number;
  owner: string;
  group: string;
}

export interface NodeFacts {
  node: string;
  configXml: string | undefined;
  /** Kept when config.xml is rewritten. */
  configOwnership?: FileOwnership;
  keystore: KeystoreFact;
  truststore: TruststoreFact;
}

export interface CaState {
  /** SHA-256 fingerprints (hex) a truststore must hold: intermediate and root. */
  chain: string[];
}

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
  force?: boolean;
  /** config.xml as it must be (from applyTlsConfig on the current file). */
  desiredConfig: (current: string) => string;
}

export type NodeAction = 'none' | 'hot-reload' | 'restart';

export interface NodePlan {
  node: string;
  /** Why a new certificate is needed; empty when the deployed one is kept. */
  issueReasons: string[];
  current?: DeployedCertificate;
  replaceKeystore: boolean;
  replaceTruststore: boolean;
  truststoreReason?: string;
  config: { path: string; current: string; desired: string; changed: boolean };
  action: NodeAction;
}

export interface Plan {
  createdAt: Date;
  nodes: NodePlan[];
}
