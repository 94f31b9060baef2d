// Step 2: connect to every target and read its facts (config.xml and stores, one SSH round trip),
// a few nodes at a time. A node that cannot be reached or read is that node's failure; the others
// are read all the same. `status` reads the fleet this way too.
import type { X509Certificate } from 'node:crypto';
import { DeployTlsError } from '../errors.js';
import { gatherNodeFacts } from '../facts/gather.js';
import type { NodeFacts } from '../plan/types.js';
import type { Remote } from '../remote/remote.js';
import type { SshTarget } from '../remote/ssh.js';
import { describeTarget } from '../remote/target.js';
import { type RendererName, runStage } from '../tasks/stage.js';
import type { Target } from './targets.js';

/** A node read over SSH: its connection stays open for the steps that follow. */
export interface ConnectedNode {
  target: Target;
  remote: Remote;
  facts: NodeFacts;
}

export interface NodeFailure {
  target: Target;
  error: DeployTlsError;
}

export interface Gathered {
  nodes: ConnectedNode[];
  failed: NodeFailure[];
}

export interface GatherOptions {
  concurrency: number;
  renderer: RendererName;
  /** The active intermediate: a deployed leaf is "ours" when it verifies against it. */
  intermediate: X509Certificate;
}

export async function gather(
  targets: readonly Target[],
  options: GatherOptions,
  connect: (target: SshTarget) => Promise<Remote>,
): Promise<Gathered> {
  const outcomes = await runStage(
    'Connect and read facts',
    targets,
    (target) => target.node.name,
    async (target, update) => {
      const { node, ssh, paths } = target;
      update(`ssh ${describeTarget(ssh)}`);
      const remote = await connect(ssh);
      try {
        update('reading config.xml and keystores');
        const facts = await gatherNodeFacts(
          remote,
          paths,
          node.tls.keystore.format,
          target.passwords,
          options.intermediate,
          ssh.become,
        );
        if (facts.configXml === undefined) {
          throw new DeployTlsError(`no config.xml at ${paths.config}`, {
            node: node.name,
            hint: 'set hivemq.home in the inventory to the HiveMQ installation folder',
          });
        }
        return { target, remote, facts };
      } catch (error) {
        await remote.close();
        throw error;
      }
    },
    { concurrency: options.concurrency, stopOnError: false, renderer: options.renderer },
  );
  const gathered: Gathered = { nodes: [], failed: [] };
  for (const outcome of outcomes) {
    if (outcome.status === 'ok') gathered.nodes.push(outcome.value);
    else if (outcome.status === 'failed')
      gathered.failed.push({ target: outcome.item, error: asNodeError(outcome.error, outcome.item) });
  }
  return gathered;
}

export async function disconnect(nodes: readonly ConnectedNode[]): Promise<void> {
  await Promise.all(nodes.map((node) => node.remote.close()));
}

export function asNodeError(error: unknown, target: Target): DeployTlsError {
  if (error instanceof DeployTlsError) return error;
  return new DeployTlsError(error instanceof Error ? error.message : String(error), {
    node: target.node.name,
    cause: error,
  });
}
