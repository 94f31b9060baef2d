// The rollout's options, side effects and report, shared by deploy.ts and apply.ts.
import type { DeployTlsError } from '../errors.js';
import type { Inventory } from '../inventory/load.js';
import type { NodePlan, Plan } from '../plan/types.js';
import type { Remote } from '../remote/remote.js';
import type { SshTarget } from '../remote/ssh.js';
import type { RendererName } from '../tasks/stage.js';
import type { ClientBundleResult } from './client-bundles.js';
import type { SecretResolver } from './nodes.js';

export interface DeployOptions {
  inventory: Inventory;
  mode: 'plan' | 'dry-run' | 'apply';
  batch: number;
  concurrency: number;
  healthTimeoutMs: number;
  /** HiveMQ re-reads keystores every 10 s; past this, a hot reload falls back to a restart. */
  reloadTimeoutMs: number;
  acceptNewHostKeys: boolean;
  renderer: RendererName;
  /** Only these nodes (by name); all when absent. */
  nodes?: readonly string[];
  /** The certificates broker truststores must hold (DER); default: the active intermediate. */
  trust?: readonly Uint8Array[];
  /** Rotation: renew certificates only, never edit config.xml. */
  rotate?: { renewBefore?: string; force: boolean };
}

export interface DeployDeps {
  connect(target: SshTarget): Promise<Remote>;
  resolveSecret: SecretResolver;
  now(): Date;
}

export type NodeStatus = 'deployed' | 'unchanged' | 'rolled-back' | 'failed' | 'untouched' | 'planned';

export interface NodeReport {
  node: string;
  status: NodeStatus;
  action: NodePlan['action'];
  serial?: string;
  previousSerial?: string;
  handshakeMs?: number;
  roundTripMs?: number;
  error?: DeployTlsError;
}

export interface DeployReport {
  plan: Plan;
  nodes: NodeReport[];
  /** The inventory's client bundles: planned, issued or unchanged. */
  clients: ClientBundleResult[];
  ok: boolean;
}
