// From an inventory node to everything the rollout needs about it: paths on the node, the
// passwords (resolved once), the SSH target, and the intent the plan compares facts against.

import type { NodePaths } from '../facts/gather.js';
import type { HiveMqTlsConfig } from '../hivemq/config.js';
import { applyTlsConfig } from '../hivemq/config.js';
import type { InventoryNode } from '../inventory/load.js';
import type { SecretRef } from '../inventory/schema.js';
import { formatSan } from '../pki/index.js';
import type { NodeIntent } from '../plan/types.js';
import type { SshTarget } from '../remote/ssh.js';
import type { Secret } from '../secret.js';
import { keystoreExtension } from './bundle.js';

export type SecretResolver = (ref: SecretRef, label: string) => Promise<Secret>;

export interface NodePasswords {
  store: Secret;
  key: Secret;
  truststore: Secret;
}

export interface NodeContext {
  node: InventoryNode;
  paths: NodePaths;
  passwords: NodePasswords;
  ssh: SshTarget;
  intent: NodeIntent;
}

export function nodePaths(node: InventoryNode): NodePaths {
  const ext = keystoreExtension(node.tls.keystore.format);
  return {
    config: `${node.hivemq.home}/conf/config.xml`,
    keystore: `${node.tls.dir}/hivemq-keystore.${ext}`,
    truststore: `${node.tls.dir}/hivemq-truststore.${ext}`,
    backupRoot: `${node.tls.dir}/backup`,
  };
}

export async function nodeContext(
  node: InventoryNode,
  resolve: SecretResolver,
  acceptNewHostKeys: boolean,
): Promise<NodeContext> {
  const paths = nodePaths(node);
  const store = await resolve(node.tls.keystore.password, `${node.name}: keystore password`);
  const key = node.tls.keystore.keyPassword
    ? await resolve(node.tls.keystore.keyPassword, `${node.name}: key password`)
    : store;
  const truststore = await resolve(node.tls.truststore.password, `${node.name}: truststore password`);
  const passwords = { store, key, truststore };
  return {
    node,
    paths,
    passwords,
    ssh: {
      node: node.name,
      address: node.address,
      port: node.ssh.port,
      user: node.ssh.user,
      privateKey: node.ssh.privateKey,
      knownHosts: node.ssh.knownHosts,
      become: node.ssh.become,
      agent: node.ssh.agent,
      acceptNewHostKeys,
    },
    intent: {
      node: node.name,
      keystorePath: paths.keystore,
      truststorePath: paths.truststore,
      configPath: paths.config,
      sans: node.sans.map(formatSan),
      keyType: node.tls.key,
      renewBefore: node.tls.renewBefore,
      desiredConfig: (current) => applyTlsConfig(current, tlsConfig(node, paths, passwords)),
    },
  };
}

export function tlsConfig(node: InventoryNode, paths: NodePaths, passwords: NodePasswords): HiveMqTlsConfig {
  const keystore = {
    path: paths.keystore,
    password: passwords.store.reveal(),
    // Java's PKCS12 keystore decrypts the key with the store password.
    privateKeyPassword:
      node.tls.keystore.format === 'pkcs12' ? passwords.store.reveal() : passwords.key.reveal(),
  };
  const truststore = { path: paths.truststore, password: passwords.truststore.reveal() };
  return {
    edition: node.hivemq.edition,
    listener: {
      name: node.tls.listener.name,
      port: node.tls.listener.port,
      bindAddress: node.tls.listener.bindAddress,
      keystore,
      truststore,
      clientAuthenticationMode: node.tls.clientAuth,
      protocols: node.tls.protocols,
      cipherSuites: node.tls.cipherSuites,
    },
    cluster:
      node.hivemq.edition === 'enterprise' && node.cluster.tls
        ? { bindPort: node.cluster.bindPort, keystore, truststore }
        : undefined,
  };
}
