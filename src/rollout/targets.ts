// Step 1: the inventory's nodes (all, or those `--limit` selects) as targets: where things live on the node,
// its store passwords (resolved once), how to reach it, and what the plan must make true there.
import { keystoreExtension } from '../bundles/bundle.js';
import type { NodePaths } from '../facts/gather.js';
import { PENDING_FILE } from '../facts/pending.js';
import { clusterEnabled } from '../hivemq/config.js';
import { decideClusterTls, decideEdition } from '../hivemq/edition.js';
import { systemdDropInPath, systemdUnit } from '../hivemq/environment.js';
import type { ManagedListener } from '../hivemq/store-paths.js';
import { limitNodes } from '../inventory/limit.js';
import type { Inventory, InventoryNode } from '../inventory/load.js';
import { type StorePasswords, storePasswords } from '../keystore/index.js';
import { formatSan } from '../pki/index.js';
import type { NodeFacts, NodeIntent } from '../plan/types.js';
import type { SshTarget } from '../remote/target.js';
import { sshTarget } from '../remote/target.js';
import type { SecretResolver } from '../secret.js';

export interface Target {
  node: InventoryNode;
  paths: NodePaths;
  passwords: StorePasswords;
  ssh: SshTarget;
}

/** Rotation replaces certificates in place: config.xml stays as it is, so HiveMQ can hot-reload. */
export interface Rotation {
  renewBefore?: string;
  force: boolean;
}

export async function selectTargets(
  inventory: Inventory,
  limit: readonly string[] | undefined,
  resolveSecret: SecretResolver,
  acceptNewHostKeys: boolean,
): Promise<Target[]> {
  return Promise.all(
    limitNodes(inventory.nodes, limit, inventory.file).map((node) =>
      target(node, resolveSecret, acceptNewHostKeys),
    ),
  );
}

/**
 * Where things live on the node as the inventory has them. The stores are where they go when
 * config.xml names none; the facts keep the ones config.xml already uses (hivemq/store-paths.ts).
 */
export function nodePaths(node: InventoryNode): NodePaths {
  const ext = keystoreExtension(node.tls.keystore.format);
  const environment = node.tls.passwordsIn === 'environment';
  const unit = environment ? systemdUnit(node.hivemq.restart) : undefined;
  return {
    config: `${node.hivemq.home.replace(/\/+$/, '')}/conf/config.xml`,
    keystore: `${node.tls.dir}/hivemq-keystore.${ext}`,
    truststore: `${node.tls.dir}/hivemq-truststore.${ext}`,
    backupRoot: `${node.tls.dir}/backup`,
    pending: `${node.tls.dir}/${PENDING_FILE}`,
    ...(environment ? { environmentFile: node.tls.environmentFile } : {}),
    ...(unit ? { dropIn: systemdDropInPath(unit) } : {}),
  };
}

async function target(
  node: InventoryNode,
  resolveSecret: SecretResolver,
  acceptNewHostKeys: boolean,
): Promise<Target> {
  const { keystore, truststore } = node.tls;
  const passwords = storePasswords(keystore.format, {
    keystore: await resolveSecret(keystore.password, `${node.name}: keystore password`),
    key: keystore.keyPassword && (await resolveSecret(keystore.keyPassword, `${node.name}: key password`)),
    truststore: await resolveSecret(truststore.password, `${node.name}: truststore password`),
  });
  return {
    node,
    paths: nodePaths(node),
    passwords,
    ssh: sshTarget(
      node,
      {
        passphrase:
          node.ssh.passphrase &&
          (await resolveSecret(node.ssh.passphrase, `${node.name}: ssh key passphrase`)),
        becomePassword:
          node.ssh.becomePassword &&
          (await resolveSecret(node.ssh.becomePassword, `${node.name}: become password`)),
      },
      acceptNewHostKeys,
    ),
  };
}

/** The TLS listeners the node's facts are read for: config.xml's stores for them are the node's. */
export function managedListeners(node: InventoryNode): ManagedListener[] {
  return node.tls.listeners.map(({ type, name, port }) => ({ type, name, port }));
}

/**
 * What the plan must make true on the target: the inventory's TLS config for the edition the node
 * has, or a rotation in place. Throws an InputError naming the node and the evidence when the
 * inventory contradicts the node (hivemq.edition, cluster.tls: true on Community Edition); the
 * rollout makes that the node's plan problem.
 */
export function intentFor(target: Target, facts: NodeFacts, rotation: Rotation | undefined): NodeIntent {
  const { node, paths } = target;
  const base = {
    node: node.name,
    keystorePath: facts.stores.keystore,
    truststorePath: facts.stores.truststore,
    configPath: paths.config,
    sans: node.sans.map(formatSan),
    keyType: node.tls.key,
    renewBefore: rotation?.renewBefore ?? node.tls.renewBefore,
    force: rotation?.force ?? false,
    storeOwnership: { mode: 0o640, owner: 'root', group: node.hivemq.serviceUser },
  };
  if (rotation) {
    const listeners = node.tls.listeners.map(({ type, name, port, path }) => ({
      type,
      name,
      port,
      ...(path === undefined ? {} : { path }),
    }));
    return { ...base, config: { kind: 'keep', listeners } };
  }
  const edition = decideEdition(facts.install, node.hivemq.edition, node.name);
  const cluster = decideClusterTls(
    edition,
    node.cluster.tls,
    facts.configXml !== undefined && clusterEnabled(facts.configXml),
    node.name,
  );
  const systemd = paths.dropIn ? systemdUnit(node.hivemq.restart) : undefined;
  return {
    ...base,
    config: {
      kind: 'tls',
      tls: {
        edition,
        listeners: node.tls.listeners.map((listener) => ({
          type: listener.type,
          name: listener.name,
          port: listener.port,
          bindAddress: listener.bindAddress,
          ...(listener.path === undefined ? {} : { path: listener.path }),
          clientAuth: listener.clientAuth,
          protocols: listener.protocols,
          ...(listener.cipherSuites ? { cipherSuites: listener.cipherSuites } : {}),
        })),
        passwords: target.passwords,
        cluster: { ...cluster, bindPort: node.cluster.bindPort },
        environment: paths.environmentFile
          ? {
              file: paths.environmentFile,
              ...(systemd && paths.dropIn ? { systemd: { unit: systemd, dropIn: paths.dropIn } } : {}),
            }
          : undefined,
      },
    },
  };
}
