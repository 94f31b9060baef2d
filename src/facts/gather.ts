// Facts about one node in one round trip: its config.xml, keystore and truststore, read
// through the Remote and interpreted with the inventory's passwords.
import type { X509Certificate } from 'node:crypto';
import { RemoteError } from '../errors.js';
import type { KeystoreFormat, StorePasswords } from '../keystore/index.js';
import type { FileOwnership, NodeFacts } from '../plan/types.js';
import { type RemoteFile, readFilesProbe, unreadableMessage } from '../remote/probes.js';
import type { Remote } from '../remote/remote.js';
import { readKeystoreFact, readTruststoreFact } from './keystores.js';
import { readPending } from './pending.js';

export interface NodePaths {
  config: string;
  keystore: string;
  truststore: string;
  backupRoot: string;
  /** The pending-change marker (facts/pending.ts). */
  pending: string;
}

export async function gatherNodeFacts(
  remote: Remote,
  paths: NodePaths,
  format: KeystoreFormat,
  passwords: StorePasswords,
  intermediate: X509Certificate,
  become: boolean,
): Promise<NodeFacts> {
  const probe = readFilesProbe([paths.config, paths.keystore, paths.truststore, paths.pending]);
  const files = probe.parse(await remote.run(probe.command));
  // A file the SSH user may not read is not a missing file, nor a broken one: say which it is.
  for (const file of files.values()) {
    const unreadable = unreadableMessage(file, become);
    if (unreadable) throw new RemoteError(unreadable.message, { node: remote.node, hint: unreadable.hint });
  }
  const config = files.get(paths.config);
  const pending = files.get(paths.pending)?.data;
  return {
    node: remote.node,
    configXml: config?.data ? Buffer.from(config.data).toString('utf8') : undefined,
    configOwnership: ownership(config),
    keystore: {
      ...readKeystoreFact(files.get(paths.keystore)?.data, format, passwords, intermediate),
      ownership: ownership(files.get(paths.keystore)),
    },
    truststore: {
      ...readTruststoreFact(files.get(paths.truststore)?.data, format, passwords.truststore),
      ownership: ownership(files.get(paths.truststore)),
    },
    pending: pending ? readPending(pending, paths.backupRoot) : undefined,
  };
}

function ownership(file: RemoteFile | undefined): FileOwnership | undefined {
  return file?.exists && file.mode !== undefined
    ? { mode: file.mode, owner: file.owner ?? 'root', group: file.group ?? 'root' }
    : undefined;
}
