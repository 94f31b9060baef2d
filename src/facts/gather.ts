// Facts about one node, read through the Remote and interpreted with the inventory's passwords:
// its config.xml, the HiveMQ installation (schema, jar, licenses), keystore and truststore, the
// pending-change marker and, in environment mode, the environment file and systemd drop-in. One
// SSH round trip reads all of it; a second one only for a node whose config.xml keeps its stores
// somewhere else than the inventory's tls.dir (a fleet set up by hand: hivemq/store-paths.ts).
import type { X509Certificate } from 'node:crypto';
import { RemoteError } from '../errors.js';
import { readTlsListeners } from '../hivemq/config.js';
import { type InstallFacts, installProbe } from '../hivemq/install-probe.js';
import { type ManagedListener, storePaths } from '../hivemq/store-paths.js';
import type { StorePasswords } from '../keystore/index.js';
import type { FileOwnership, NodeFacts } from '../plan/types.js';
import { type RemoteFile, readFilesProbe, unreadableMessage } from '../remote/probes.js';
import type { Remote } from '../remote/remote.js';
import { readKeystoreFact, readTruststoreFact } from './keystores.js';
import { readPending } from './pending.js';

export interface NodePaths {
  config: string;
  /** Where the stores go when config.xml names none: <tls.dir>/hivemq-keystore.<ext> … */
  keystore: string;
  truststore: string;
  backupRoot: string;
  /** The pending-change marker (facts/pending.ts). */
  pending: string;
  /** tls.passwordsIn: environment: the file with the passwords (tls.environmentFile). */
  environmentFile?: string;
  /** …and the drop-in that makes the systemd unit load it, when the broker is a systemd unit. */
  dropIn?: string;
}

/** What the facts are read with: the installation folder, the managed listeners, the passwords. */
export interface FactsContext {
  /** hivemq.home, where the install probe looks. */
  home: string;
  /** The inventory's TLS listeners: config.xml's stores for them are the node's stores. */
  listeners: readonly ManagedListener[];
  passwords: StorePasswords;
  /** The active intermediate: a deployed leaf is "ours" when it verifies against it. */
  intermediate: X509Certificate;
  become: boolean;
}

export async function gatherNodeFacts(
  remote: Remote,
  paths: NodePaths,
  context: FactsContext,
): Promise<NodeFacts> {
  const { files, install } = await readNode(remote, paths, context);
  const configXml = text(files.get(paths.config));
  // Decided here because the facts must read the stores HiveMQ uses: config.xml's, whatever their
  // names, else the inventory's (an InputError when the listeners point at different stores). A
  // config.xml that does not parse names no store: the plan reports it as that node's problem.
  const defaults = { keystore: paths.keystore, truststore: paths.truststore };
  const stores = parses(configXml)
    ? storePaths(configXml, context.listeners, defaults, remote.node)
    : { ...defaults, source: 'inventory' as const };
  const elsewhere = [stores.keystore, stores.truststore].filter((path) => !files.has(path));
  if (elsewhere.length > 0)
    for (const [path, file] of await readFiles(remote, elsewhere, context)) files.set(path, file);

  const config = files.get(paths.config);
  const pending = files.get(paths.pending)?.data;
  return {
    node: remote.node,
    configXml,
    configOwnership: ownership(config),
    install,
    stores,
    keystore: {
      ...readKeystoreFact(files.get(stores.keystore)?.data, context.passwords, context.intermediate),
      ownership: ownership(files.get(stores.keystore)),
    },
    truststore: {
      ...readTruststoreFact(files.get(stores.truststore)?.data, context.passwords.truststore),
      ownership: ownership(files.get(stores.truststore)),
    },
    environment:
      paths.environmentFile || paths.dropIn
        ? {
            file: paths.environmentFile && text(files.get(paths.environmentFile)),
            fileOwnership: paths.environmentFile ? ownership(files.get(paths.environmentFile)) : undefined,
            dropIn: paths.dropIn && text(files.get(paths.dropIn)),
          }
        : undefined,
    pending: pending ? readPending(pending, paths.backupRoot) : undefined,
  };
}

/** The files the facts are read from, in the probe's order. */
function factsPaths(paths: NodePaths): string[] {
  return [
    paths.config,
    paths.keystore,
    paths.truststore,
    paths.pending,
    ...(paths.environmentFile ? [paths.environmentFile] : []),
    ...(paths.dropIn ? [paths.dropIn] : []),
  ];
}

/**
 * The facts probe: the files, then the install probe of `home`, in one command (two probes' fixed
 * scripts, one after the other). Stores config.xml names elsewhere are read after it.
 */
export function factsProbe(paths: NodePaths, home: string) {
  const files = readFilesProbe(factsPaths(paths));
  const install = installProbe(home);
  return { command: `${files.command}\n${install.command}`, files, install };
}

async function readNode(
  remote: Remote,
  paths: NodePaths,
  context: FactsContext,
): Promise<{ files: Map<string, RemoteFile>; install: InstallFacts }> {
  const probe = factsProbe(paths, context.home);
  const stdout = await remote.run(probe.command);
  return { files: checked(probe.files.parse(stdout), remote, context), install: probe.install.parse(stdout) };
}

async function readFiles(
  remote: Remote,
  paths: readonly string[],
  context: FactsContext,
): Promise<Map<string, RemoteFile>> {
  const probe = readFilesProbe(paths);
  return checked(probe.parse(await remote.run(probe.command)), remote, context);
}

/** A file the SSH user may not read is not a missing file, nor a broken one: say which it is. */
function checked(files: Map<string, RemoteFile>, remote: Remote, context: FactsContext) {
  for (const file of files.values()) {
    const unreadable = unreadableMessage(file, context.become);
    if (unreadable) throw new RemoteError(unreadable.message, { node: remote.node, hint: unreadable.hint });
  }
  return files;
}

function parses(xml: string | undefined): boolean {
  try {
    if (xml !== undefined) readTlsListeners(xml);
    return true;
  } catch {
    return false;
  }
}

function ownership(file: RemoteFile | undefined): FileOwnership | undefined {
  return file?.exists && file.mode !== undefined
    ? { mode: file.mode, owner: file.owner ?? 'root', group: file.group ?? 'root' }
    : undefined;
}

const text = (file: RemoteFile | undefined) =>
  file?.data ? Buffer.from(file.data).toString('utf8') : undefined;
