// Step 1: the inventory's nodes (all, or those `--limit` selects) as targets: where things live on the node,
// its store passwords (resolved once), how to reach it, and what the plan must make true there.
import { keystoreExtension } from '../bundles/bundle.js';
import type { NodePaths } from '../facts/gather.js';
import { PENDING_FILE } from '../facts/pending.js';
import { limitNodes } from '../inventory/limit.js';
import type { Inventory, InventoryNode } from '../inventory/load.js';
import { type StorePasswords, storePasswords } from '../keystore/index.js';
import { formatSan } from '../pki/index.js';
import type { NodeIntent } from '../plan/types.js';
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

export function nodePaths(node: InventoryNode): NodePaths {
  const ext = keystoreExtension(node.tls.keystore.format);
  return {
    config: `${node.hivemq.home}/conf/config.xml`,
    keystore: `${node.tls.dir}/hivemq-keystore.${ext}`,
    truststore: `${node.tls.dir}/hivemq-truststore.${ext}`,
    backupRoot: `${node.tls.dir}/backup`,
    pending: `${node.tls.dir}/${PENDING_FILE}`,
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

/** What the plan must make true on the target: the inventory's TLS config, or a rotation in place. */
export function intentFor(target: Target, rotation: Rotation | undefined): NodeIntent {
  const { node, paths } = target;
  const { listener } = node.tls;
  return {
    node: node.name,
    keystorePath: paths.keystore,
    truststorePath: paths.truststore,
    configPath: paths.config,
    sans: node.sans.map(formatSan),
    keyType: node.tls.key,
    renewBefore: rotation?.renewBefore ?? node.tls.renewBefore,
    force: rotation?.force ?? false,
    // README "Keystores": 0640 root:<hivemq.serviceUser>, read by the broker through its group.
    storeOwnership: { mode: 0o640, owner: 'root', group: node.hivemq.serviceUser },
    config: rotation
      ? { kind: 'keep', listener: { name: listener.name, port: listener.port } }
      : {
          kind: 'tls',
          tls: {
            edition: node.hivemq.edition,
            listener: {
              name: listener.name,
              port: listener.port,
              bindAddress: listener.bindAddress,
              clientAuth: node.tls.clientAuth,
              protocols: node.tls.protocols,
              cipherSuites: node.tls.cipherSuites,
            },
            passwords: target.passwords,
            cluster: node.cluster.tls ? { bindPort: node.cluster.bindPort } : undefined,
          },
        },
  };
}
