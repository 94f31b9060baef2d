// `deploy-tls --inventory FILE`: the main job, top to bottom.
//   targets → gather (connect + facts) → plan → (plan / dry run: stop here) → open the CA
//   → apply node by node (issue, back up, install, restart or reload, gate, roll back a failure)
//   → client bundles → report.
// `plan` and `--dry-run` stop after the plan; `rotate` is the same job with a rotation intent
// (certificates renewed in place, config.xml untouched).
import type { ClientBundleResult } from '../bundles/clients.js';
import { issueClientBundles, planClientBundles, unchangedBundle } from '../bundles/clients.js';
import type { Clock } from '../clock.js';
import type { Inventory } from '../inventory/load.js';
import { buildPlan } from '../plan/plan.js';
import type { Remote } from '../remote/remote.js';
import type { SshTarget } from '../remote/ssh.js';
import type { SecretResolver } from '../secret.js';
import type { RendererName } from '../tasks/stage.js';
import { applyPlan, type NodeOutcome, type NodeRun } from './apply.js';
import { openIssuer, readTrust } from './ca.js';
import { disconnect, gather } from './gather.js';
import { buildReport, type RolloutReport } from './report.js';
import { intentFor, type Rotation, selectTargets } from './targets.js';

export interface RolloutOptions {
  inventory: Inventory;
  mode: 'plan' | 'apply';
  /** Nodes changed at once. */
  batch: number;
  /** Nodes connected and read at once. */
  concurrency: number;
  healthTimeoutMs: number;
  reloadTimeoutMs: number;
  acceptNewHostKeys: boolean;
  renderer: RendererName;
  /** Only these nodes (by name); all when absent. */
  nodes?: readonly string[];
  /** The certificates broker truststores must hold (DER); default: the active intermediate. */
  trust?: readonly Uint8Array[];
  /** Renew certificates in place, never edit config.xml. */
  rotate?: Rotation;
}

export interface RolloutDeps {
  connect(target: SshTarget): Promise<Remote>;
  resolveSecret: SecretResolver;
  clock: Clock;
}

export async function rollout(options: RolloutOptions, deps: RolloutDeps): Promise<RolloutReport> {
  const { inventory } = options;
  const now = deps.clock.now();
  const targets = await selectTargets(
    inventory,
    options.nodes,
    deps.resolveSecret,
    options.acceptNewHostKeys,
  );
  const trust = await readTrust(inventory.ca.dir, options.trust);
  const gathered = await gather(
    targets,
    { concurrency: options.concurrency, renderer: options.renderer, intermediate: trust.intermediate },
    deps.connect,
  );
  try {
    // A rollout changes nothing unless every node answered. A rotation renews the nodes that did
    // and reports the others, so one unreachable node never holds back the fleet's renewals.
    const [unreachable] = gathered.failed;
    if (unreachable && !options.rotate) throw unreachable.error;

    const inputs = gathered.nodes.map((node) => ({
      ...node,
      intent: intentFor(node.target, options.rotate),
    }));
    const { plan, planned: runs } = buildPlan(inputs, { trusted: trust.fingerprints }, now);
    const [problem] = plan.problems;
    if (problem) throw problem.error;
    // A rollout of a few selected nodes leaves the client bundles alone.
    const bundles = options.nodes
      ? []
      : await planClientBundles(inventory.clients, trust.intermediate, {
          now,
          renewBefore: options.rotate?.renewBefore ?? inventory.nodes[0]?.tls.renewBefore ?? '30d',
          force: options.rotate?.force ?? false,
        });
    const report = (outcomes?: ReadonlyMap<NodeRun, NodeOutcome>, clients?: ClientBundleResult[]) =>
      buildReport({
        plan,
        runs,
        outcomes,
        failed: gathered.failed,
        clients: clients ?? bundles.map(unchangedBundle),
      });

    if (options.mode === 'plan') return report();
    const changing = runs.filter((run) => run.plan.action !== 'none');
    if (changing.length === 0 && bundles.every((bundle) => !bundle.reason)) return report(new Map());

    const issuer = await openIssuer(inventory, deps.resolveSecret, now);
    try {
      const outcomes = await applyPlan(
        changing,
        issuer,
        {
          batch: options.batch,
          renderer: options.renderer,
          healthTimeoutMs: options.healthTimeoutMs,
          reloadTimeoutMs: options.reloadTimeoutMs,
          trusted: trust.trusted,
        },
        deps.clock,
      );
      const allDeployed = [...outcomes.values()].every((outcome) => outcome.status === 'deployed');
      // Bundles only after every node took its change: a stopped rollout changes nothing more.
      const clients = allDeployed
        ? await issueClientBundles(issuer.ca, bundles, { resolveSecret: deps.resolveSecret, now })
        : undefined;
      return report(outcomes, clients);
    } finally {
      await issuer.ca.close();
    }
  } finally {
    await disconnect(gathered.nodes);
  }
}
