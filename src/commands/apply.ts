// Carrying a plan out: open the CA, roll the changing nodes out in batches (each with its gate
// and rollback), then write the client bundles that are due. Wires modules; no crypto of its own.
import { DeployTlsError } from '../errors.js';
import { CertificateAuthority, formatSan, subjectFromJsonName } from '../pki/index.js';
import { appendLedger } from '../pki/ledger.js';
import type { NodeFacts, Plan } from '../plan/types.js';
import type { Remote } from '../remote/remote.js';
import { rolloutNode } from '../tasks/node-rollout.js';
import { runStage } from '../tasks/stage.js';
import { keystoreBytes, pem, truststoreBytes } from './bundle.js';
import { type ClientBundlePlan, type ClientBundleResult, issueClientBundles } from './client-bundles.js';
import type { DeployDeps, DeployOptions, DeployReport, NodeReport } from './deploy-types.js';
import type { NodeContext } from './nodes.js';
import { smokeIdentity } from './smoke-identity.js';

export async function apply(
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

export function plannedBundle(bundle: ClientBundlePlan): ClientBundleResult {
  return {
    name: bundle.client.name,
    status: 'unchanged',
    reason: bundle.reason,
    serial: bundle.serial ?? '-',
    out: bundle.client.out,
  };
}

export function storeOptions(ctx: NodeContext, now: Date) {
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

export function pick(subject: ReturnType<typeof subjectFromJsonName>) {
  const { C, ST, L, O, OU } = subject;
  return { C, ST, L, O, OU };
}

export function asDeployError(error: unknown, node: string): DeployTlsError {
  if (error instanceof DeployTlsError) return error;
  return new DeployTlsError(error instanceof Error ? error.message : String(error), { node, cause: error });
}
