// `deploy-tls verify`: the verification matrix on every TLS listener of every node, against what
// the ledger says was deployed. Reads only: nothing on the nodes or in the CA changes.
import { CaError } from '../errors.js';
import { DEFAULT_WEBSOCKET_PATH } from '../hivemq/config.js';
import { limitNodes } from '../inventory/limit.js';
import type { Inventory } from '../inventory/load.js';
import { readCaCertificates } from '../pki/ca.js';
import { caLayout, pemChain } from '../pki/index.js';
import { type CertificateSummary, summarize } from '../pki/inspect.js';
import { lastDeployed, readLedger } from '../pki/ledger.js';
import { foreignClientIdentity } from '../pki/throwaway.js';
import type { SecretResolver } from '../secret.js';
import { readSmokeIdentity } from '../smoke/identity.js';
import { type CheckResult, effectiveProtocols, runMatrix } from '../smoke/matrix.js';
import { type RendererName, runStage } from '../tasks/stage.js';

export interface VerifyOptions {
  inventory: Inventory;
  /** `--limit` patterns; every node when absent. */
  limit?: readonly string[];
  concurrency: number;
  timeoutMs: number;
  renderer: RendererName;
}

export interface VerifyReport {
  results: CheckResult[];
  ok: boolean;
  ca: { root: CertificateSummary; intermediate: CertificateSummary };
}

export async function verify(
  options: VerifyOptions,
  deps: { resolveSecret: SecretResolver; now(): Date },
): Promise<VerifyReport> {
  const { inventory } = options;
  const nodes = limitNodes(inventory.nodes, options.limit, inventory.file);
  const now = deps.now();
  const layout = caLayout(inventory.ca.dir);
  const caPassword = await deps.resolveSecret(inventory.ca.password, 'CA password');
  const client = await readSmokeIdentity(layout.dir, caPassword, now);
  if (!client) {
    throw new CaError(`the CA at ${layout.dir} has no usable deploy-tls-smoke client certificate`, {
      hint: 'run a rollout first (deploy-tls --inventory FILE issues it)',
    });
  }
  const { root, intermediate } = await readCaCertificates(layout);
  const ca = pemChain([intermediate, root]);
  const foreignClient = await foreignClientIdentity(now);
  const deployed = lastDeployed(await readLedger(layout.dir));
  const outcomes = await runStage(
    'Verify mutual TLS',
    nodes,
    (node) => node.name,
    async (node, update) => {
      // The matrix once per TLS listener: each one is its own way in (mqtts:// or wss://).
      const results: CheckResult[] = [];
      const several = node.tls.listeners.length > 1;
      for (const listener of node.tls.listeners) {
        update(`${node.address}:${listener.port} (${listener.name}) as ${node.host}`);
        results.push(
          ...(await runMatrix({
            node: node.name,
            ...(several ? { listener: listener.name } : {}),
            address: node.address,
            port: listener.port,
            transport:
              listener.type === 'websocket'
                ? { type: 'websocket', path: listener.path ?? DEFAULT_WEBSOCKET_PATH }
                : { type: 'tcp' },
            host: node.host,
            ca,
            client,
            foreignClient,
            expected: deployed.get(node.name),
            protocols: effectiveProtocols(listener.protocols),
            timeoutMs: options.timeoutMs,
            now,
          })),
        );
      }
      const failed = results.filter((r) => !r.ok);
      if (failed.length > 0) throw new ChecksFailed(results, failed);
      return results;
    },
    { concurrency: options.concurrency, stopOnError: false, renderer: options.renderer },
  );
  const results = outcomes.flatMap((outcome): CheckResult[] => {
    if (outcome.status === 'ok') return outcome.value;
    if (outcome.status === 'failed' && outcome.error instanceof ChecksFailed) return outcome.error.results;
    // A matrix that could not run is a failed check of that node, so JSON and JUnit name it too.
    const error = outcome.status === 'failed' ? outcome.error : 'not run';
    return [
      {
        node: outcome.item.name,
        check: 'verification matrix ran',
        ok: false,
        observed: error instanceof Error ? error.message : String(error),
      },
    ];
  });
  return {
    results,
    ok: results.length > 0 && results.every((r) => r.ok),
    ca: {
      root: summarize(root.toString('pem'), now),
      intermediate: summarize(intermediate.toString('pem'), now),
    },
  };
}

/** A node whose checks ran but did not all pass: the listr task fails, the results stay. */
class ChecksFailed extends Error {
  constructor(
    readonly results: CheckResult[],
    failed: CheckResult[],
  ) {
    super(`${failed.length} check(s) failed: ${failed.map((r) => r.check).join('; ')}`);
  }
}
