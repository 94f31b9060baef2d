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
import { CertificateAuthority, caLayout, formatSan, subjectFromJsonName } from '../pki/index.js';
import { appendLedger } from '../pki/ledger.js';
import { buildPlan } from '../plan/plan.js';
import type { NodeFacts, NodePlan, Plan } from '../plan/types.js';
import type { Remote } from '../remote/remote.js';
import type { SshTarget } from '../remote/ssh.js';
import { rolloutNode } from '../tasks/node-rollout.js';
import { type RendererName, runStage } from '../tasks/stage.js';
import { keystoreBytes, pem, truststoreBytes } from './bundle.js';
import {
  type ClientBundlePlan,
  type ClientBundleResult,
  issueClientBundles,
  planClientBundles,
} from './client-bundles.js';
import { type NodeContext, nodeContext, type SecretResolver } from './nodes.js';
import { smokeIdentity } from './smoke-identity.js';

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

async function apply(
  options: DeployOptions,
  deps: DeployDeps,
  contexts: NodeContext[],
  remotes: Map<string, Remote>,
  plan: Plan,
  facts: NodeFacts[],
  trusted: readonly Uint8Array[],
  bundles: ClientBundlePlan[],
): Promise<DeployReport> {
  const { inventory } = options;
  const changing = plan.nodes.filter((node) => node.action !== 'none');
  const reports = new Map<string, NodeReport>(
    plan.nodes.map((node) => [
      node.node,
      {
        node: node.node,
        status: node.action === 'none' ? 'unchanged' : 'untouched',
        action: node.action,
        serial: node.current?.serial,
      },
    ]),
  );
  if (changing.length === 0 && bundles.every((bundle) => !bundle.reason)) {
    return { plan, ok: true, nodes: [...reports.values()], clients: bundles.map(plannedBundle) };
  }

  const caPassword = await deps.resolveSecret(inventory.ca.password, 'CA password');
  const ca = await CertificateAuthority.open({
    dir: inventory.ca.dir,
    password: caPassword,
    command: 'deploy-tls rollout',
    now: deps.now(),
  });
  try {
    const client = await smokeIdentity(ca, caPassword, deps.now());
    const caPem = ca.caChain.map((der) => pem('CERTIFICATE', der)).join('');
    const org = subjectFromJsonName(ca.intermediate.subjectName.toJSON());
    const outcomes = await runStage(
      'Roll out',
      changing.map((nodePlan) => {
        const ctx = contexts.find((c) => c.node.name === nodePlan.node) as NodeContext;
        const fact = facts[contexts.indexOf(ctx)];
        return {
          title: `${ctx.node.name}: ${nodePlan.action}`,
          run: (update: (text: string) => void) =>
            rolloutNode(
              {
                remote: remotes.get(ctx.node.name) as Remote,
                plan: nodePlan,
                listenerName: ctx.node.tls.listener.name,
                restartCommand: ctx.node.hivemq.restart,
                brokerLog: ctx.node.hivemq.log,
                backupRoot: ctx.paths.backupRoot,
                paths: ctx.paths,
                storeFile: { mode: 0o640, owner: 'root', group: ctx.node.hivemq.serviceUser },
                configFile: fact?.configOwnership ?? {
                  mode: 0o640,
                  owner: 'root',
                  group: ctx.node.hivemq.serviceUser,
                },
                gate: {
                  address: ctx.node.address,
                  port: ctx.node.tls.listener.port,
                  host: ctx.node.host,
                  ca: caPem,
                  client,
                },
                healthTimeoutMs: options.healthTimeoutMs,
                reloadTimeoutMs: options.reloadTimeoutMs,
                now: deps.now,
                issue: async () => {
                  const firstDns = ctx.node.sans.find((san) => san.type === 'dns');
                  const issued = await ca.issue({
                    profile: 'node',
                    name: ctx.node.name,
                    subject: { ...pick(org), CN: firstDns?.value ?? ctx.node.host },
                    sans: ctx.node.sans,
                    keyType: ctx.node.tls.key,
                    days: ctx.node.tls.days,
                    now: deps.now(),
                  });
                  const keystore = keystoreBytes(issued, storeOptions(ctx, deps.now()));
                  return {
                    serial: issued.serial,
                    sans: issued.sans.map(formatSan),
                    notAfter: issued.certificate.notAfter,
                    keystore,
                  };
                },
                truststore: () => truststoreBytes(trusted, storeOptions(ctx, deps.now())),
                record: (entry) => appendLedger(ca.layout.dir, entry),
              },
              update,
            ),
        };
      }),
      { concurrency: options.batch, stopOnError: true, renderer: options.renderer },
    );
    for (const [index, outcome] of outcomes.entries()) {
      const node = changing[index]?.node as string;
      const report = reports.get(node) as NodeReport;
      if (outcome.status === 'ok') {
        Object.assign(report, {
          status: 'deployed',
          action: outcome.value.restarted ? 'restart' : report.action,
          serial: outcome.value.serial,
          previousSerial: outcome.value.previousSerial,
          handshakeMs: outcome.value.gate.handshakeMs,
          roundTripMs: outcome.value.gate.roundTripMs,
        });
      } else if (outcome.status === 'failed') {
        const error = asDeployError(outcome.error, node);
        Object.assign(report, {
          status: error.name === 'NodeRolledBackError' ? 'rolled-back' : 'failed',
          error,
        });
      }
    }
    const nodes = [...reports.values()];
    const ok = nodes.every((n) => n.status === 'deployed' || n.status === 'unchanged');
    // Bundles only after every node took its change: a stopped rollout changes nothing more.
    const clients = ok
      ? await issueClientBundles(ca, bundles, { resolveSecret: deps.resolveSecret, now: deps.now() })
      : bundles.map(plannedBundle);
    return { plan, nodes, clients, ok };
  } finally {
    await ca.close();
  }
}

function plannedBundle(bundle: ClientBundlePlan): ClientBundleResult {
  return {
    name: bundle.client.name,
    status: 'unchanged',
    reason: bundle.reason,
    serial: bundle.serial ?? '-',
    out: bundle.client.out,
  };
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

function storeOptions(ctx: NodeContext, now: Date) {
  return {
    format: ctx.node.tls.keystore.format,
    passwords: {
      keystore: ctx.passwords.store,
      key: ctx.passwords.key,
      truststore: ctx.passwords.truststore,
    },
    now,
  };
}

function revealed(ctx: NodeContext) {
  return {
    store: ctx.passwords.store.reveal(),
    key: ctx.passwords.key.reveal(),
    truststore: ctx.passwords.truststore.reveal(),
  };
}

function pick(subject: ReturnType<typeof subjectFromJsonName>) {
  const { C, ST, L, O, OU } = subject;
  return { C, ST, L, O, OU };
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

function asDeployError(error: unknown, node: string): DeployTlsError {
  if (error instanceof DeployTlsError) return error;
  return new DeployTlsError(error instanceof Error ? error.message : String(error), { node, cause: error });
}
