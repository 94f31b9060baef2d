// `deploy-tls --inventory FILE`: the main job, top to bottom.
//   targets → gather (connect, facts, what each listener serves) → plan → (plan / dry run: stop
//   here) → open the CA → apply batch by batch (per node: issue, back up, install, restart or
//   reload, gate, roll back a failure) → client bundles → report.
// `plan` and `--dry-run` stop after the plan; `rotate` is the same job with a rotation intent
// (certificates renewed in place, config.xml untouched). A node that cannot be read or planned is
// that node's failure; the others go on. A host key that does not match, or a bad input found
// while connecting, stops everything before any change.
import type { HookRunner } from '../alerts/hooks.js';
import type { ClientBundleResult } from '../bundles/clients.js';
import { issueClientBundles, planClientBundles, unchangedBundle } from '../bundles/clients.js';
import { clientIssueRequest } from '../bundles/issue.js';
import type { Clock } from '../clock.js';
import { ExitCode, HostKeyError } from '../errors.js';
import type { Fault } from '../faults.js';
import type { Inventory } from '../inventory/load.js';
import { caLayout } from '../pki/index.js';
import { appendLedger, lastDeployed, readLedger } from '../pki/ledger.js';
import { buildPlan, planProblem } from '../plan/plan.js';
import type { NodeIntent, PlanProblem } from '../plan/types.js';
import type { Remote } from '../remote/remote.js';
import type { SshTarget } from '../remote/target.js';
import type { SecretResolver } from '../secret.js';
import { readSmokeIdentity } from '../smoke/identity.js';
import type { RendererName } from '../tasks/stage.js';
import { applyPlan, type NodeOutcome, type NodeRun, nodeRequest } from './apply.js';
import type { BatchSpec, MaxFail } from './batches.js';
import { openIssuer, readTrust } from './ca.js';
import { type ConnectedNode, disconnect, gather, type NodeFailure } from './gather.js';
import { KeyQueue } from './keys.js';
import { buildReport, type RolloutReport } from './report.js';
import { intentFor, type Rotation, selectTargets } from './targets.js';

export interface RolloutOptions {
  inventory: Inventory;
  mode: 'plan' | 'apply';
  /** How the changing nodes are cut into batches (Ansible's `serial`). */
  batch: BatchSpec;
  /** How many failed nodes the run goes on past (Ansible's max_fail_percentage); none by default. */
  maxFail?: MaxFail;
  /** Nodes connected and read at once. */
  concurrency: number;
  healthTimeoutMs: number;
  reloadTimeoutMs: number;
  acceptNewHostKeys: boolean;
  renderer: RendererName;
  /** Only the nodes these patterns select (`--limit`); all when absent. */
  limit?: readonly string[];
  /** The certificates broker truststores must hold (DER); default: the active intermediate. */
  trust?: readonly Uint8Array[];
  /** Renew certificates in place, never edit config.xml. */
  rotate?: Rotation;
}

export interface RolloutDeps {
  connect(target: SshTarget): Promise<Remote>;
  resolveSecret: SecretResolver;
  clock: Clock;
  /** Tests only: the process ends at this point of a node's change, as a kill would end it. */
  fault?: Fault;
  /** Runs a client's onRenew command after its bundle was renewed. */
  runHook: HookRunner;
}

export async function rollout(options: RolloutOptions, deps: RolloutDeps): Promise<RolloutReport> {
  const { inventory } = options;
  const now = deps.clock.now();
  const targets = await selectTargets(
    inventory,
    options.limit,
    deps.resolveSecret,
    options.acceptNewHostKeys,
  );
  // Every password the rollout needs is resolved before anything else, so `plan` fails as it would.
  const caPassword = await deps.resolveSecret(inventory.ca.password, 'CA password');
  const trust = await readTrust(inventory.ca.dir, options.trust);
  // A forced rotation renews every selected node: their keys are made while the nodes are read.
  const keys = new KeyQueue<string>();
  if (options.mode === 'apply' && options.rotate?.force)
    for (const { node } of targets) keys.key(node.name, node.tls.key);
  const gathered = await gather(
    targets,
    {
      concurrency: options.concurrency,
      renderer: options.renderer,
      intermediate: trust.intermediate,
      chainPem: trust.chainPem,
      client: await readSmokeIdentity(inventory.ca.dir, caPassword, now),
    },
    deps.connect,
  );
  try {
    // A host key that does not match may be someone in the middle, and a bad input (a wrong sudo
    // password, no agent socket, a key that needs a passphrase) is the inventory's own mistake:
    // either way nothing happens anywhere, the latter with exit 2. An unreachable node fails alone.
    const stop = gathered.failed.find(
      (failure) => failure.error instanceof HostKeyError || failure.error.exitCode === ExitCode.usage,
    );
    if (stop) throw stop.error;

    const ledger = lastDeployed(await readLedger(caLayout(inventory.ca.dir).dir));
    // The edition and cluster TLS are decided from each node's facts: an inventory value the node
    // contradicts is that node's plan problem, like a config.xml the editor refuses.
    const inputs: (ConnectedNode & { intent: NodeIntent })[] = [];
    const unplanned: PlanProblem[] = [];
    for (const node of gathered.nodes) {
      try {
        inputs.push({ ...node, intent: intentFor(node.target, node.facts, options.rotate) });
      } catch (error) {
        unplanned.push(planProblem(error, node.target.node.name));
      }
    }
    const { plan, planned: runs } = buildPlan(
      inputs,
      {
        trusted: trust.fingerprints,
        recorded: Object.fromEntries([...ledger].map(([node, entry]) => [node, entry.serial])),
      },
      now,
      unplanned,
    );
    const failed: NodeFailure[] = [
      ...gathered.failed,
      ...plan.problems.flatMap((problem) => {
        const node = gathered.nodes.find((n) => n.target.node.name === problem.node);
        return node ? [{ target: node.target, error: problem.error }] : [];
      }),
    ];
    // A rollout of a few selected nodes leaves the client bundles alone.
    const bundles = options.limit?.length
      ? []
      : await planClientBundles(inventory.clients, trust.intermediate, {
          now,
          renewBefore: options.rotate?.renewBefore ?? inventory.nodes[0]?.tls.renewBefore ?? '30d',
          force: options.rotate?.force ?? false,
        });
    const report = (outcomes?: ReadonlyMap<NodeRun, NodeOutcome>, clients?: ClientBundleResult[]) =>
      buildReport({ plan, runs, outcomes, failed, clients: clients ?? bundles.map(unchangedBundle) });

    if (options.mode === 'plan') return report();
    // Served, ours and in the keystore, but not in the ledger (a run killed after its write).
    for (const run of runs.filter((r) => r.plan.recordServed)) {
      await appendLedger(caLayout(inventory.ca.dir).dir, {
        time: now.toISOString(),
        node: run.target.node.name,
        serial: run.plan.recordServed as string,
        sans: run.plan.current?.sans ?? [],
        notAfter: (run.plan.current?.notAfter ?? now).toISOString(),
        action: 'none',
        result: 'deployed',
      });
    }
    const changing = runs.filter((run) => run.plan.action !== 'none');
    if (changing.length === 0 && bundles.every((bundle) => !bundle.reason)) return report(new Map());

    const issuer = await openIssuer(inventory, caPassword, now);
    try {
      // Every certificate this run will ask for is checked first (name, SANs, days against the
      // intermediate), so a bad input stops the run with exit 2 before any node is touched.
      for (const run of changing.filter((r) => r.plan.replaceKeystore))
        await issuer.ca.check(nodeRequest(run, issuer, now));
      for (const bundle of bundles.filter((b) => b.reason))
        await issuer.ca.check(
          clientIssueRequest(issuer.ca, {
            name: bundle.client.name,
            keyType: bundle.client.key,
            days: bundle.client.days,
            now,
          }),
        );
      const outcomes = await applyPlan(
        changing,
        issuer,
        {
          batch: options.batch,
          maxFail: options.maxFail,
          renderer: options.renderer,
          healthTimeoutMs: options.healthTimeoutMs,
          reloadTimeoutMs: options.reloadTimeoutMs,
          trusted: trust.trusted,
        },
        { clock: deps.clock, fault: deps.fault },
        keys,
      );
      const allDeployed =
        failed.length === 0 && [...outcomes.values()].every((outcome) => outcome.status === 'deployed');
      // Bundles only after every node took its change: a stopped rollout changes nothing more.
      const clients = allDeployed
        ? await issueClientBundles(issuer.ca, bundles, {
            ...deps,
            now,
            command: options.rotate ? 'rotate' : 'deploy',
          })
        : undefined;
      return report(outcomes, clients);
    } finally {
      await issuer.ca.close();
    }
  } finally {
    keys.drop();
    await disconnect(gathered.nodes);
  }
}
