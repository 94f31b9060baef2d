// tls.listeners resolved per node: every TLS listener deploy-tls manages, each value filled in.
// `tls.listener` (one tcp listener) keeps working as the short form of a one-element list; a level
// that gives both, or a node's `listener` under the defaults' `listeners`, is refused, because which
// one was meant cannot be known.
import type { ClientAuth, ListenerSettings, TlsProtocol } from './defaults.js';
import type { InventoryInput } from './schema.js';

type Path = (string | number)[];
type Report = (path: Path, message: string, useKey?: boolean) => void;
type TlsInput = NonNullable<NonNullable<InventoryInput['defaults']>['tls']>;

/** The defaults for a listener's TLS values: the tls level's clientAuth, protocols, cipherSuites. */
export interface ListenerDefaults {
  listener: { name: string; port: number; bindAddress: string };
  clientAuth: ClientAuth;
  protocols: TlsProtocol[];
  cipherSuites?: string[];
}

const DEFAULT_NAME = { tcp: 'secure-listener', websocket: 'secure-websocket-listener' } as const;
/** The xsd's documented default for a websocket listener's <path>. */
const DEFAULT_PATH = '/mqtt';
const ANY_ADDRESS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The node's listeners from the file's defaults and the node's own tls (both as written, to see
 * which keys were set where) and the merged tls values.
 */
export function resolveListeners(
  defaultsTls: TlsInput | undefined,
  nodeTls: TlsInput | undefined,
  merged: ListenerDefaults,
  nodePath: Path,
  report: Report,
): ListenerSettings[] {
  for (const [tls, path] of [
    [defaultsTls, ['defaults', 'tls']],
    [nodeTls, [...nodePath, 'tls']],
  ] as const)
    if (tls?.listener && tls.listeners)
      report(
        [...path, 'listener'],
        'give either listener or listeners, not both (listener is one tcp listener)',
        true,
      );

  let listeners: ListenerSettings[];
  let listPath: Path;
  if (nodeTls?.listeners) {
    listeners = nodeTls.listeners.map((l, i) =>
      fill(l, merged, [...nodePath, 'tls', 'listeners', i], report),
    );
    listPath = [...nodePath, 'tls', 'listeners'];
  } else if (nodeTls?.listener && defaultsTls?.listeners) {
    report(
      [...nodePath, 'tls', 'listener'],
      "defaults.tls.listeners lists this node's listeners: override them with tls.listeners",
      true,
    );
    return [];
  } else if (defaultsTls?.listeners) {
    listeners = defaultsTls.listeners.map((l, i) =>
      fill(l, merged, ['defaults', 'tls', 'listeners', i], report),
    );
    listPath = ['defaults', 'tls', 'listeners'];
  } else {
    listeners = [fill({ type: 'tcp', ...merged.listener }, merged, [...nodePath, 'tls', 'listener'], report)];
    listPath = [...nodePath, 'tls', 'listener'];
  }
  checkClashes(listeners, listPath, report);
  return listeners;
}

function fill(
  input: NonNullable<TlsInput['listeners']>[number],
  merged: ListenerDefaults,
  path: Path,
  report: Report,
): ListenerSettings {
  const type = input.type ?? 'tcp';
  if (type === 'tcp' && input.path !== undefined)
    report([...path, 'path'], 'only a websocket listener has a path (set type: websocket)', true);
  if (type === 'websocket' && input.port === undefined)
    report(path, 'a websocket listener needs a port (HiveMQ has no default for wss://)');
  const listener: ListenerSettings = {
    type,
    name: input.name ?? DEFAULT_NAME[type],
    port: input.port ?? merged.listener.port,
    bindAddress: input.bindAddress ?? merged.listener.bindAddress,
    clientAuth: input.clientAuth ?? merged.clientAuth,
    protocols: input.protocols ?? merged.protocols,
  };
  if (type === 'websocket') listener.path = input.path ?? DEFAULT_PATH;
  const cipherSuites = input.cipherSuites ?? merged.cipherSuites;
  if (cipherSuites) listener.cipherSuites = cipherSuites;
  return listener;
}

/** Two listeners with one name or one address:port would be one listener in config.xml, or no broker. */
function checkClashes(listeners: readonly ListenerSettings[], listPath: Path, report: Report): void {
  listeners.forEach((listener, i) => {
    const earlier = listeners.slice(0, i);
    const sameName = earlier.findIndex((other) => other.name === listener.name);
    if (sameName !== -1)
      report(
        [...listPath, i, 'name'],
        `duplicate listener name "${listener.name}" (also listeners[${sameName}])`,
      );
    const samePort = earlier.findIndex(
      (other) =>
        other.port === listener.port &&
        (other.bindAddress === listener.bindAddress ||
          ANY_ADDRESS.has(other.bindAddress) ||
          ANY_ADDRESS.has(listener.bindAddress)),
    );
    if (samePort !== -1)
      report(
        [...listPath, i, 'port'],
        `port ${listener.port} is also listeners[${samePort}]'s on ${listener.bindAddress}`,
      );
  });
}
