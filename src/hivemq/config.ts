// HiveMQ's config.xml: add or update the TLS listener (and Enterprise cluster transport TLS), read it
// back, and redact its passwords. Pure string → string.
//
// Why a splice and not fast-xml-parser's builder: the builder re-serialises the whole document, so
// indentation, blank lines, attribute quoting and comment placement change everywhere, and operators
// diff this file. So fast-xml-parser's validator gates the input (and names line:col when it is
// malformed), xml-scan.ts locates elements in the original text, and xml-edit.ts replaces only the
// text of values that differ or inserts missing elements. Untouched bytes stay identical and applying
// the same config twice returns the same string.
//
// Facts from HiveMQ CE's config.xsd (2025.5): <hivemq>, each listener, <tls>, <keystore> and
// <truststore> are xs:all (any order, each at most once); <listeners> is an unbounded choice of
// tcp-listener | tls-tcp-listener | websocket-listener | tls-websocket-listener. New elements are
// written in the xsd's declaration order: listener port, bind-address, name, tls; tls keystore,
// truststore, protocols, cipher-suites, …, client-authentication-mode; keystore path, password,
// private-key-password. client-authentication-mode is OPTIONAL | REQUIRED | NONE, case-sensitive.
// CE's xsd has no <cluster> (Enterprise only), so CE files never get one.
import { XMLValidator } from 'fast-xml-parser';
import { InputError } from '../errors.js';
import { type BranchNode, type DesiredNode, type LeafNode, reconcile } from './xml-edit.js';
import { childElements, childText, firstChild, scanElements, textOf, type XmlElement } from './xml-scan.js';

export type ClientAuthMode = 'NONE' | 'OPTIONAL' | 'REQUIRED';
export const CLIENT_AUTH_MODES: readonly ClientAuthMode[] = ['NONE', 'OPTIONAL', 'REQUIRED'];

export interface StoreRef {
  path: string;
  password: string;
}
export type KeystoreRef = StoreRef & { privateKeyPassword: string };

export interface TlsListenerSpec {
  name: string;
  port: number;
  bindAddress: string;
  keystore: KeystoreRef;
  /** Undefined leaves an existing <truststore> as it is. */
  truststore?: StoreRef;
  clientAuthenticationMode: ClientAuthMode;
  /** e.g. ['TLSv1.3', 'TLSv1.2']. Undefined leaves <protocols> as it is; [] removes it (HiveMQ's defaults). */
  protocols?: string[];
  /** Same rules as protocols. */
  cipherSuites?: string[];
}

export interface ClusterTlsSpec {
  /** Undefined leaves an existing <bind-address> as it is. */
  bindAddress?: string;
  bindPort: number;
  keystore: KeystoreRef;
  /** Per-node certificates: the CA-chain truststore, not the keystore (the article shares one certificate). */
  truststore: StoreRef;
}

export interface HiveMqTlsConfig {
  edition: 'community' | 'enterprise';
  listener: TlsListenerSpec;
  /** Only for enterprise; ignored for community, whose config has no <cluster>. */
  cluster?: ClusterTlsSpec;
}

/**
 * Adds or updates the named <tls-tcp-listener> (and, for enterprise with cluster,
 * <cluster><transport><tcp><tls>). Idempotent: applying to its own output returns the same string.
 * A tls-tcp-listener without a <name> on the same port is taken over (it gets the name) rather than
 * duplicated; any other listener on the same port and address is an InputError.
 */
export function applyTlsConfig(xml: string, config: HiveMqTlsConfig): string {
  checkSpec(config);
  const hivemq = parseHiveMq(xml);
  const { listener } = config;
  const listeners = firstChild(hivemq, 'listeners');
  const target = listeners && locateListener(xml, listeners, listener);
  if (listeners) checkPortConflicts(xml, listeners, target, listener);

  const desired: DesiredNode[] = [
    branch('listeners', [listenerNode(listener, (parent) => locateListener(xml, parent, listener))]),
  ];
  if (config.edition === 'enterprise' && config.cluster) {
    checkClusterTransport(hivemq);
    desired.push(clusterNode(config.cluster));
  }
  return reconcile(xml, hivemq, desired);
}

/**
 * The same XML with the text of every element whose name ends in "password" replaced by ***, for
 * plan diffs and logs. Works on the raw text, so it also hides passwords in commented-out elements
 * and in files too broken to parse.
 */
export function redactPasswords(xml: string): string {
  return xml.replace(
    /(<((?:[A-Za-z_][\w.-]*)?password)(?:\s[^>]*)?>)([\s\S]*?)(<\/\2\s*>)/gi,
    (_whole, open: string, _tag: string, text: string, close: string) =>
      `${open}${text === '' ? '' : '***'}${close}`,
  );
}

/**
 * What the config says about the listener with this <name>, or undefined when there is none.
 * An element that exists but lacks a child reads that child as '' (a keystore without
 * <private-key-password> gives privateKeyPassword ''); a client-authentication-mode outside the
 * enum is left out, as HiveMQ would reject it.
 */
export function readTlsListener(xml: string, name: string): Partial<TlsListenerSpec> | undefined {
  const hivemq = parseHiveMq(xml);
  const listeners = firstChild(hivemq, 'listeners');
  const element =
    listeners && childElements(listeners, 'tls-tcp-listener').find((l) => collapsed(xml, l, 'name') === name);
  if (!element) return undefined;

  const result: Partial<TlsListenerSpec> = { name };
  const port = collapsed(xml, element, 'port');
  if (port !== undefined && /^\d+$/.test(port)) result.port = Number(port);
  const bindAddress = collapsed(xml, element, 'bind-address');
  if (bindAddress !== undefined) result.bindAddress = bindAddress;
  const tls = firstChild(element, 'tls');
  if (!tls) return result;

  const keystore = firstChild(tls, 'keystore');
  if (keystore)
    result.keystore = {
      ...readStore(xml, keystore),
      privateKeyPassword: childText(xml, keystore, 'private-key-password') ?? '',
    };
  const truststore = firstChild(tls, 'truststore');
  if (truststore) result.truststore = readStore(xml, truststore);
  const mode = collapsed(xml, tls, 'client-authentication-mode');
  if (isClientAuthMode(mode)) result.clientAuthenticationMode = mode;
  const protocols = readList(xml, tls, 'protocols', 'protocol');
  if (protocols) result.protocols = protocols;
  const cipherSuites = readList(xml, tls, 'cipher-suites', 'cipher-suite');
  if (cipherSuites) result.cipherSuites = cipherSuites;
  return result;
}

export function isClientAuthMode(value: unknown): value is ClientAuthMode {
  return CLIENT_AUTH_MODES.some((mode) => mode === value);
}

function listenerNode(spec: TlsListenerSpec, locate: BranchNode['locate']): BranchNode {
  const tls: DesiredNode[] = [keystoreNode('keystore', spec.keystore)];
  if (spec.truststore) tls.push(storeNode('truststore', spec.truststore));
  if (spec.protocols) tls.push(listNode('protocols', 'protocol', spec.protocols));
  if (spec.cipherSuites) tls.push(listNode('cipher-suites', 'cipher-suite', spec.cipherSuites));
  tls.push(leaf('client-authentication-mode', spec.clientAuthenticationMode));
  return {
    ...branch('tls-tcp-listener', [
      leaf('port', String(spec.port)),
      leaf('bind-address', spec.bindAddress),
      leaf('name', spec.name),
      branch('tls', tls),
    ]),
    locate,
  };
}

/** As in the article's <cluster> example; discovery and everything else in <cluster> is left alone. */
function clusterNode(spec: ClusterTlsSpec): BranchNode {
  const tcp: DesiredNode[] = [];
  if (spec.bindAddress !== undefined) tcp.push(leaf('bind-address', spec.bindAddress));
  tcp.push(
    leaf('bind-port', String(spec.bindPort)),
    branch('tls', [
      leaf('enabled', 'true'),
      keystoreNode('server-keystore', spec.keystore),
      storeNode('server-certificate-truststore', spec.truststore),
    ]),
  );
  return branch('cluster', [branch('transport', [branch('tcp', tcp)])]);
}

function keystoreNode(tag: string, store: KeystoreRef): BranchNode {
  const node = storeNode(tag, store);
  node.children.push(secret('private-key-password', store.privateKeyPassword));
  return node;
}

function storeNode(tag: string, store: StoreRef): BranchNode {
  return branch(tag, [leaf('path', store.path), secret('password', store.password)]);
}

function listNode(tag: string, itemTag: string, items: string[]): DesiredNode {
  return items.length === 0 ? { kind: 'absent', tag } : { kind: 'list', tag, itemTag, items };
}

function branch(tag: string, children: DesiredNode[]): BranchNode {
  return { kind: 'branch', tag, children };
}

/** Ports, paths, names and enums are whitespace-collapsing types in the xsd. */
function leaf(tag: string, value: string): LeafNode {
  return { kind: 'leaf', tag, value, collapse: true };
}

/** Passwords are xs:string: every character, whitespace included, is part of the value. */
function secret(tag: string, value: string): LeafNode {
  return { kind: 'leaf', tag, value, collapse: false };
}

/** By <name>; else a tls-tcp-listener without a name on the same port (e.g. HiveMQ's TLS sample). */
function locateListener(xml: string, listeners: XmlElement, spec: TlsListenerSpec): XmlElement | undefined {
  const candidates = childElements(listeners, 'tls-tcp-listener');
  return (
    candidates.find((l) => collapsed(xml, l, 'name') === spec.name) ??
    candidates.find(
      (l) => firstChild(l, 'name') === undefined && collapsed(xml, l, 'port') === String(spec.port),
    )
  );
}

const ANY_ADDRESS = new Set(['0.0.0.0', '::', '[::]']);

/** HiveMQ would fail to bind the second listener on a port; say so before anything is written. */
function checkPortConflicts(
  xml: string,
  listeners: XmlElement,
  target: XmlElement | undefined,
  spec: TlsListenerSpec,
): void {
  for (const other of listeners.children) {
    if (other === target || collapsed(xml, other, 'port') !== String(spec.port)) continue;
    const address = collapsed(xml, other, 'bind-address') ?? '0.0.0.0'; // the xsd's documented default
    if (address !== spec.bindAddress && !ANY_ADDRESS.has(address) && !ANY_ADDRESS.has(spec.bindAddress))
      continue;
    const otherName = collapsed(xml, other, 'name');
    throw new InputError(
      `config.xml already has a ${other.tag}${otherName ? ` "${otherName}"` : ''} on ${address}:${spec.port}, where listener "${spec.name}" would go`,
      { hint: 'choose another tls.listener.port, or remove that listener from config.xml' },
    );
  }
}

/** The transport is a choice of <udp> or <tcp>; adding <tcp> next to <udp> would stop Enterprise starting. */
function checkClusterTransport(hivemq: XmlElement): void {
  const cluster = firstChild(hivemq, 'cluster');
  const transport = cluster && firstChild(cluster, 'transport');
  if (transport && firstChild(transport, 'udp'))
    throw new InputError('config.xml has a UDP cluster transport, and cluster TLS needs TCP', {
      hint: 'switch <cluster><transport> to <tcp> in config.xml, or set cluster.tls: false in the inventory',
    });
}

function checkSpec(config: HiveMqTlsConfig): void {
  const { listener, cluster } = config;
  const problems: string[] = [];
  const nonEmpty = (what: string, value: string) => {
    if (value.trim() === '') problems.push(`${what} is empty`);
  };
  const port = (what: string, value: number) => {
    if (!Number.isInteger(value) || value < 0 || value > 65535)
      problems.push(`${what} ${value} is not a port (0-65535)`);
  };
  nonEmpty('listener name', listener.name);
  nonEmpty('listener bind address', listener.bindAddress);
  nonEmpty('keystore path', listener.keystore.path);
  if (listener.truststore) nonEmpty('truststore path', listener.truststore.path);
  port('listener port', listener.port);
  if (!isClientAuthMode(listener.clientAuthenticationMode))
    problems.push(
      `client authentication mode "${listener.clientAuthenticationMode}" is not NONE, OPTIONAL or REQUIRED`,
    );
  for (const item of [...(listener.protocols ?? []), ...(listener.cipherSuites ?? [])])
    nonEmpty('a protocol or cipher suite', item);
  if (config.edition === 'enterprise' && cluster) {
    port('cluster bind port', cluster.bindPort);
    nonEmpty('cluster keystore path', cluster.keystore.path);
    nonEmpty('cluster truststore path', cluster.truststore.path);
  }
  const values = [listener.keystore, listener.truststore, cluster?.keystore, cluster?.truststore].flatMap(
    (store) => (store ? Object.values(store) : []),
  );
  if (values.some(hasCharacterXmlCannotHold))
    problems.push(
      'a keystore or truststore path or password contains a control character, which XML cannot hold',
    );
  if (problems.length > 0)
    throw new InputError(`cannot write the TLS listener "${listener.name}": ${problems.join('; ')}`, {
      hint: 'fix the tls settings in the inventory',
    });
}

/** XML 1.0 has no way to write C0 controls other than tab, LF and CR, escaped or not. */
function hasCharacterXmlCannotHold(value: string): boolean {
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (
      (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
      code === 0xfffe ||
      code === 0xffff
    )
      return true;
  }
  return false;
}

function parseHiveMq(xml: string): XmlElement {
  const result = XMLValidator.validate(xml);
  if (result !== true) {
    const { msg, line, col } = result.err;
    throw new InputError(`config.xml is not well-formed XML at line ${line}:${col}: ${msg}`, {
      hint: 'fix config.xml by hand (or restore its backup) and run again',
    });
  }
  const roots = scanElements(xml);
  const [root] = roots;
  if (roots.length !== 1 || root?.tag !== 'hivemq')
    throw new InputError(
      `config.xml must have exactly one root element <hivemq>, found ${roots.map((r) => `<${r.tag}>`).join(', ') || 'none'}`,
      {
        hint: 'point hivemq.home at a HiveMQ installation whose conf/config.xml is HiveMQ configuration',
      },
    );
  return root;
}

function collapsed(xml: string, parent: XmlElement, tag: string): string | undefined {
  return childText(xml, parent, tag)
    ?.replace(/[\t\n\r ]+/g, ' ')
    .trim();
}

function readStore(xml: string, element: XmlElement): StoreRef {
  return { path: collapsed(xml, element, 'path') ?? '', password: childText(xml, element, 'password') ?? '' };
}

function readList(xml: string, parent: XmlElement, tag: string, itemTag: string): string[] | undefined {
  const list = firstChild(parent, tag);
  return (
    list &&
    childElements(list, itemTag).map((item) =>
      textOf(xml, item)
        .replace(/[\t\n\r ]+/g, ' ')
        .trim(),
    )
  );
}
