// `deploy-tls verify`: the verification matrix on every node, against what the ledger says
// was deployed. Reads only: nothing on the nodes or in the CA changes.
import { readFile } from 'node:fs/promises';
import { CaError } from '../errors.js';
import type { Inventory } from '../inventory/load.js';
import { caLayout } from '../pki/index.js';
import { type LedgerEntry, readLedger } from '../pki/ledger.js';
import { foreignClientIdentity } from '../pki/throwaway.js';
import { type CheckResult, runMatrix } from '../smoke/matrix.js';
import { type RendererName, runStage } from '../tasks/stage.js';
import type { SecretResolver } from './nodes.js';
import { readSmokeIdentity } from './smoke-identity.js';

export interface VerifyOptions {
  inventory: Inventory;
  concurrency: number;
  timeoutMs: number;
  renderer: RendererName;
}

export interface VerifyReport {
  results: CheckResult[];
  ok: boolean;
}

export async function verify(
  options: VerifyOptions,
  deps: { resolveSecret: SecretResolver; now(): Date },
): Promise<VerifyReport> {
  const { inventory } = options;
  const layout = caLayout(inventory.ca.dir);
  const caPassword = await deps.resolveSecret(inventory.ca.password, 'CA password');
  const client = await readSmokeIdentity(layout.dir, caPassword, deps.now());
  if (!client) {
    throw new CaError(`the CA at ${layout.dir} has no usable deploy-tls-smoke client certificate`, {
      hint: 'run a rollout first (deploy-tls --inventory FILE issues it)',
    });
  }
  const ca = `${(await readFile(layout.intermediateCert, 'utf8')).trimEnd()}\n${(await readFile(layout.rootCert, 'utf8')).trimEnd()}\n`;
  const foreignClient = await foreignClientIdentity(deps.now());
  const deployed = lastDeployed(await readLedger(layout.dir));
  const outcomes = await runStage(
    'Verify mutual TLS',
    inventory.nodes.map((node) => ({
      title: node.name,
      run: async (update: (text: string) => void) => {
        update(`${node.address}:${node.tls.listener.port} as ${node.host}`);
        const results = await runMatrix({
          node: node.name,
          address: node.address,
          port: node.tls.listener.port,
          host: node.host,
          ca,
          client,
          foreignClient,
          expected: deployed.get(node.name),
          protocols: node.tls.protocols,
          timeoutMs: options.timeoutMs,
        });
        const failed = results.filter((r) => !r.ok);
        if (failed.length > 0) throw new ChecksFailed(results, failed);
        return results;
      },
    })),
    { concurrency: options.concurrency, stopOnError: false, renderer: options.renderer },
  );
  const results = outcomes.flatMap((outcome) => {
    if (outcome.status === 'ok') return outcome.value;
    return outcome.status === 'failed' && outcome.error instanceof ChecksFailed ? outcome.error.results : [];
  });
  const crashed = outcomes.some((o) => o.status === 'failed' && !(o.error instanceof ChecksFailed));
  return { results, ok: !crashed && results.length > 0 && results.every((r) => r.ok) };
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

function lastDeployed(entries: LedgerEntry[]): Map<string, LedgerEntry> {
  const latest = new Map<string, LedgerEntry>();
  for (const entry of entries) if (entry.result === 'deployed') latest.set(entry.node, entry);
  return latest;
}
