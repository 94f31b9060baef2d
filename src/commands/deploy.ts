// `deploy-tls --inventory FILE` (and `plan`, `--dry-run`): connect, read facts, plan, then roll
// the plan out node by node with a health gate and rollback. Wires modules; holds no crypto,
// XML or parsing of its own.
import { X509Certificate } from 'node:crypto';
import { DeployTlsError, UsageError } from '../errors.js';
import { gatherNodeFacts } from '../facts/gather.js';
import { sha256Hex } from '../facts/keystores.js';
import { readTlsListener } from '../hivemq/config.js';
import type { Inventory } from '../inventory/load.js';
import { readCaCertificates } from '../pki/ca.js';
import { caLayout } from '../pki/index.js';
import { buildPlan } from '../plan/plan.js';
import type { NodeFacts } from '../plan/types.js';
import type { Remote } from '../remote/remote.js';
import { runStage } from '../tasks/stage.js';
import { apply, asDeployError, plannedBundle } from './apply.js';
import { planClientBundles } from './client-bundles.js';
import type { DeployDeps, DeployOptions, DeployReport, NodeReport } from './deploy-types.js';
import { type NodeContext, nodeContext } from './nodes.js';

export type { DeployDeps, DeployOptions, DeployReport, NodeReport, NodeStatus } from './deploy-types.js';

export async function deploy(options: DeployOptions, deps: DeployDeps): Promise<DeployReport> {
  const { inventory } = options;
  const contexts = (
    await Promise.all(
      selectNodes(inventory, options.nodes).map((node) =>
        nodeContext(node, deps.resolveSecret, options.acceptNewHostKeys),
      ),
    )
  ).map((ctx) => (options.rotate ? rotationIntent(ctx, options.rotate) : ctx));
  const remotes = new Map<string, Remote>();
  try {
    const { intermediate, chain, trusted } = await caCertificates(inventory.ca.dir, options.trust);
    const facts = await runStage(
      'Connect and read facts',
      contexts.map((ctx) => ({
        title: ctx.node.name,
        run: async (update: (text: string) => void) => {
          update(`ssh ${ctx.ssh.user}@${ctx.ssh.address}:${ctx.ssh.port}`);
          const remote = await deps.connect(ctx.ssh);
          remotes.set(ctx.node.name, remote);
          update('reading config.xml and keystores');
          const fact = await gatherNodeFacts(
            remote,
            ctx.paths,
            ctx.node.tls.keystore.format,
            revealed(ctx),
            intermediate,
          );
          if (fact.configXml === undefined) {
            throw new DeployTlsError(`no config.xml at ${ctx.paths.config}`, {
              node: ctx.node.name,
              hint: 'set hivemq.home in the inventory to the HiveMQ installation folder',
            });
          }
          return fact;
        },
      })),
      { concurrency: options.concurrency, stopOnError: false, renderer: options.renderer },
    );
    // A rollout changes nothing unless every node answered. A rotation renews the nodes that did
    // and reports the others, so one unreachable node never holds back the fleet's renewals.
    const unreachable: NodeReport[] = [];
    facts.forEach((outcome, index) => {
      if (outcome.status !== 'failed') return;
      const error = asDeployError(outcome.error, contexts[index]?.node.name ?? outcome.title);
      if (!options.rotate) throw error;
      unreachable.push({ node: outcome.title, status: 'failed', action: 'none', error });
    });
    const live = contexts.filter((_, index) => facts[index]?.status === 'ok');
    const liveFacts = facts.flatMap((outcome) => (outcome.status === 'ok' ? [outcome.value] : []));
    if (options.rotate) requireListeners(live, liveFacts);
    const plan = buildPlan(
      live.map((ctx) => ctx.intent),
      { chain },
      liveFacts,
      deps.now(),
    );
    // A rollout of a few selected nodes leaves the client bundles alone.
    const bundles = options.nodes
      ? []
      : await planClientBundles(inventory.clients, intermediate, {
          now: deps.now(),
          renewBefore: options.rotate?.renewBefore ?? inventory.nodes[0]?.tls.renewBefore ?? '30d',
          force: options.rotate?.force ?? false,
        });
    if (options.mode !== 'apply') {
      return {
        plan,
        clients: bundles.map(plannedBundle),
        ok: unreachable.length === 0,
        nodes: [
          ...plan.nodes.map(
            (node): NodeReport => ({ node: node.node, status: 'planned', action: node.action }),
          ),
          ...unreachable,
        ],
      };
    }
    const report = await apply(options, deps, live, remotes, plan, liveFacts, trusted, bundles);
    return { ...report, nodes: [...report.nodes, ...unreachable], ok: report.ok && unreachable.length === 0 };
  } finally {
    await Promise.all([...remotes.values()].map((remote) => remote.close()));
  }
}

function selectNodes(inventory: Inventory, names: readonly string[] | undefined) {
  if (!names) return inventory.nodes;
  const unknown = names.filter((name) => !inventory.nodes.some((node) => node.name === name));
  if (unknown.length > 0) {
    throw new UsageError(`no node named ${unknown.join(', ')} in ${inventory.file}`, {
      hint: `nodes: ${inventory.nodes.map((node) => node.name).join(', ')}`,
    });
  }
  return inventory.nodes.filter((node) => names.includes(node.name));
}

/** Rotation replaces certificates in place: config.xml stays as it is, so HiveMQ can hot-reload. */
function rotationIntent(ctx: NodeContext, rotate: { renewBefore?: string; force: boolean }): NodeContext {
  return {
    ...ctx,
    intent: {
      ...ctx.intent,
      renewBefore: rotate.renewBefore ?? ctx.intent.renewBefore,
      force: rotate.force,
      desiredConfig: (current) => current,
    },
  };
}

function requireListeners(contexts: NodeContext[], facts: NodeFacts[]) {
  contexts.forEach((ctx, index) => {
    const config = facts[index]?.configXml ?? '';
    if (!readTlsListener(config, ctx.node.tls.listener.name)) {
      throw new DeployTlsError(
        `has no <tls-tcp-listener> named ${ctx.node.tls.listener.name}: nothing to rotate`,
        {
          node: ctx.node.name,
          hint: 'roll mutual TLS out first: deploy-tls --inventory FILE',
          exitCode: 2,
        },
      );
    }
  });
}

function revealed(ctx: NodeContext) {
  return {
    store: ctx.passwords.store.reveal(),
    key: ctx.passwords.key.reveal(),
    truststore: ctx.passwords.truststore.reveal(),
  };
}

/** The active intermediate, and what truststores must hold (it alone, unless a rollover says more). */
async function caCertificates(dir: string, trust: readonly Uint8Array[] | undefined) {
  const { intermediate } = await readCaCertificates(caLayout(dir));
  const trusted = trust ?? [new Uint8Array(intermediate.rawData)];
  return {
    intermediate: new X509Certificate(intermediate.toString('pem')),
    trusted,
    chain: trusted.map(sha256Hex),
  };
}
