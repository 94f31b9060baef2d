// Step 2: connect to every target and read its facts (config.xml, installation and stores, one SSH
// round trip; see facts/gather.ts) and what each TLS listener serves,
// a few nodes at a time. A node that cannot be reached or read is that node's failure; the others
// are read all the same. `status` reads the fleet this way too.
import type { X509Certificate } from 'node:crypto';
import { DeployTlsError } from '../errors.js';
import { gatherNodeFacts } from '../facts/gather.js';
import type { NodeFacts, ServedListener } from '../plan/types.js';
import type { Remote } from '../remote/remote.js';
import type { SshTarget } from '../remote/target.js';
import { describeTarget } from '../remote/target.js';
import { classifyFailure } from '../smoke/classify.js';
import { type ClientIdentity, probeTls } from '../smoke/tls-probe.js';
import { type RendererName, runStage } from '../tasks/stage.js';
import { managedListeners, type Target } from './targets.js';

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
  /** Intermediate and root, PEM, for the look at what the listener serves. */
  chainPem: string;
  /** deploy-tls's own client certificate, when the CA has one: a listener may require one. */
  client?: ClientIdentity;
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
        update('reading config.xml, the installation and the keystores');
        const facts = await gatherNodeFacts(remote, paths, {
          home: node.hivemq.home,
          listeners: managedListeners(node),
          passwords: target.passwords,
          intermediate: options.intermediate,
          become: ssh.become,
        });
        if (facts.configXml === undefined) {
          throw new DeployTlsError(`no config.xml at ${paths.config}`, {
            node: node.name,
            hint: 'set hivemq.home in the inventory to the HiveMQ installation folder',
          });
        }
        update(
          `looking at what ${node.tls.listeners.map((l) => `${node.address}:${l.port}`).join(', ')} serve`,
        );
        return { target, remote, facts: { ...facts, served: await served(target, options) } };
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

/**
 * One handshake with each TLS listener of the inventory, at once: the files on disk are only half
 * of what a node does, and a listener config.xml names but the broker never loaded shows only here.
 * A tls-websocket-listener speaks TLS first too, so the same handshake reads what it serves.
 */
function served(target: Target, options: GatherOptions): Promise<ServedListener[]> {
  const { node } = target;
  return Promise.all(
    node.tls.listeners.map(async (listener): Promise<ServedListener> => {
      const at = { name: listener.name, port: listener.port };
      try {
        const { serial, notAfter } = await probeTls({
          address: node.address,
          port: listener.port,
          host: node.host,
          ca: options.chainPem,
          client: options.client,
          timeoutMs: SERVED_TIMEOUT_MS,
        });
        return { ...at, served: { kind: 'serial', serial, notAfter } };
      } catch (error) {
        const failure = classifyFailure(error);
        return {
          ...at,
          served:
            failure.class === 'unreachable'
              ? { kind: 'refused' }
              : { kind: 'unknown', reason: failure.class },
        };
      }
    }),
  );
}

const SERVED_TIMEOUT_MS = 5_000;

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
