// Step 7: the rollout's report, built once from what each node went through.
import type { ClientBundleResult } from '../bundles/clients.js';
import type { DeployTlsError } from '../errors.js';
import type { NodeAction, Plan } from '../plan/types.js';
import type { NodeOutcome, NodeRun } from './apply.js';
import type { NodeFailure } from './gather.js';

export type NodeStatus =
  | 'deployed'
  | 'unchanged'
  | 'recorded' // nothing changed on the node; the ledger now records what it serves
  | 'rolled-back'
  | 'failed'
  | 'untouched'
  | 'planned';

export interface NodeReport {
  node: string;
  status: NodeStatus;
  action: NodeAction;
  serial?: string;
  previousSerial?: string;
  handshakeMs?: number;
  roundTripMs?: number;
  error?: DeployTlsError;
  /** The batch the node changed in (1: the first), and when its change started and ended. */
  batch?: number;
  startedAt?: Date;
  finishedAt?: Date;
}

export interface RolloutReport {
  plan: Plan;
  nodes: NodeReport[];
  /** The inventory's client bundles: planned, issued or unchanged. */
  clients: ClientBundleResult[];
  ok: boolean;
}

export function buildReport(input: {
  plan: Plan;
  runs: readonly NodeRun[];
  outcomes?: ReadonlyMap<NodeRun, NodeOutcome>;
  failed: readonly NodeFailure[];
  clients: ClientBundleResult[];
}): RolloutReport {
  const applied = input.outcomes !== undefined;
  const nodes: NodeReport[] = [
    ...input.runs.map((run) => nodeReport(run, input.outcomes?.get(run), applied)),
    ...input.failed.map(
      (failure): NodeReport => ({
        node: failure.target.node.name,
        status: 'failed',
        action: 'none',
        error: failure.error,
      }),
    ),
  ];
  const ok = nodes.every((n) => ['deployed', 'unchanged', 'recorded', 'planned'].includes(n.status));
  return { plan: input.plan, nodes, clients: input.clients, ok };
}

function nodeReport(run: NodeRun, outcome: NodeOutcome | undefined, applied: boolean): NodeReport {
  const { plan } = run;
  const base = { node: run.target.node.name, action: plan.action, serial: plan.current?.serial };
  if (!outcome) {
    if (plan.action === 'none')
      return { ...base, status: !applied ? 'planned' : plan.recordServed ? 'recorded' : 'unchanged' };
    return { ...base, status: applied ? 'untouched' : 'planned' };
  }
  const timing = { batch: outcome.batch, startedAt: outcome.startedAt, finishedAt: outcome.finishedAt };
  if (outcome.status !== 'deployed')
    return { ...base, status: outcome.status, error: outcome.error, ...timing };
  return {
    ...base,
    ...timing,
    status: 'deployed',
    action: outcome.restarted ? 'restart' : plan.action,
    serial: outcome.serial,
    previousSerial: plan.current?.serial,
    handshakeMs: outcome.gate.handshakeMs,
    roundTripMs: outcome.gate.roundTripMs,
  };
}
