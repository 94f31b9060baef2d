// HiveMQ's config.xml: add or update the TLS listeners (tcp and websocket) and Enterprise cluster
// transport TLS, read them back, and redact passwords. Pure string → string.
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
// written in the xsd's declaration order: tls-tcp-listener port, bind-address, name, tls;
// tls-websocket-listener port, bind-address, name, path (default /mqtt), subprotocols,
// allow-extensions, tls (we write port, bind-address, name, path, tls and leave the other two as
// they are); tls keystore, truststore, protocols, cipher-suites, …, client-authentication-mode;
// keystore path, password, private-key-password. client-authentication-mode is
// OPTIONAL | REQUIRED | NONE, case-sensitive.
// CE's xsd has no <cluster> (Enterprise only), so CE files never get one.
import { XMLValidator } from 'fast-xml-parser';
import { InputError } from '../errors.js';
import { type BranchNode, type DesiredNode, type LeafNode, reconcile } from './xml-edit.js';
import {
  childElements,
  childText,
  escapeText,
  firstChild,
  scanComments,
  scanElements,
  textOf,
  type XmlElement,
} from './xml-scan.js';

export type ClientAuthMode = 'NONE' | 'OPTIONAL' | 'REQUIRED';
export const CLIENT_AUTH_MODES: readonly ClientAuthMode[] = ['NONE', 'OPTIONAL', 'REQUIRED'];

/**
 * A password HiveMQ takes from its environment at start: written as ${ENV:name} (HiveMQ docs,
 * "Configuration" → environment variables: https://docs.hivemq.com/hivemq/latest/user-guide/configuration.html;
 * CE's EnvVarUtil matches `\$\{(ENV:)*(.*?)\}` since 2021.2 and reads System.getProperty, then
 * System.getenv). See environment.ts for the file the values live in.
 */
export interface EnvPlaceholder {
  env: string;
}
export type PasswordValue = string | EnvPlaceholder;

export interface StoreRef {
  path: string;
  password: PasswordValue;
}
export type KeystoreRef = StoreRef & { privateKeyPassword: PasswordValue };

const PLACEHOLDER = /^\$\{(?:ENV:)?[A-Za-z_][A-Za-z0-9_]*\}$/;

/** A variable name HiveMQ's placeholder regex and systemd's EnvironmentFile= both read as one name. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** How a password is written in config.xml: escaped text, or a ${ENV:…} placeholder. */
export function passwordMarkup(password: PasswordValue): string {
  return typeof password === 'string' ? escapeText(password) : `\${ENV:${password.env}}`;
}

/** tcp: <tls-tcp-listener> (mqtts://); websocket: <tls-websocket-listener> (wss://). */
export type ListenerType = 'tcp' | 'websocket';
export const LISTENER_TYPES: readonly ListenerType[] = ['tcp', 'websocket'];
/** The xsd's documented default for a websocket listener's <path>. */
export const DEFAULT_WEBSOCKET_PATH = '/mqtt';

export interface TlsListenerSpec {
  /** Default 'tcp'. */
  type?: ListenerType;
  name: string;
  port: number;
  bindAddress: string;
  /** websocket only: the HTTP path clients connect to (default /mqtt). */
  path?: string;
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

/** `listener` is the one-listener form the rollout has always passed; `listeners` names several. */
export type Edition = 'community' | 'enterprise';

export type HiveMqTlsConfig = {
  /** The node's edition (hivemq/edition.ts decideEdition): community never gets a <cluster>. */
  edition: Edition;
  /** Only for enterprise; ignored for community, whose config has no <cluster>. */
  cluster?: ClusterTlsSpec;
} & ({ listener: TlsListenerSpec } | { listeners: TlsListenerSpec[] });

/** A TLS listener as config.xml has it, with the element it was read from. */
export type ReadTlsListener = Partial<TlsListenerSpec> & { type: ListenerType };

/** A listener without TLS (tcp-listener, websocket-listener): where a broker answers plain MQTT. */
export interface PlainListener {
  type: ListenerType;
  port: number;
  /** The xsd's documented default 0.0.0.0 when the element has none. */
  bindAddress: string;
  name?: string;
  path?: string;
}

export function listenersOf(config: HiveMqTlsConfig): TlsListenerSpec[] {
  return 'listeners' in config ? config.listeners : [config.listener];
}

const typeOf = (spec: TlsListenerSpec): ListenerType => spec.type ?? 'tcp';
const TLS_TAG: Record<ListenerType, string> = {
  tcp: 'tls-tcp-listener',
  websocket: 'tls-websocket-listener',
};
const PLAIN_TAG: Record<ListenerType, string> = { tcp: 'tcp-listener', websocket: 'websocket-listener' };

/**
 * Adds or updates each named TLS listener (tcp or websocket) and, for enterprise with cluster,
 * <cluster><transport><tcp><tls>. Idempotent: applying to its own output returns the same string.
 * A TLS listener of the same type without a <name> on the same port is taken over (it gets the
 * name) rather than duplicated; any other listener on the same port and address is an InputError.
 * Listeners the config names that `config` does not are left alone, byte for byte.
 */
export function applyTlsConfig(xml: string, config: HiveMqTlsConfig): string {
  const specs = listenersOf(config);
  checkSpec(config, specs);
  const hivemq = parseHiveMq(xml);
  const listeners = firstChild(hivemq, 'listeners');
  const targets = listeners ? assignTargets(xml, listeners, specs) : new Map<TlsListenerSpec, XmlElement>();
  if (listeners) checkPortConflicts(xml, listeners, targets, specs);

  const desired: DesiredNode[] = [
    branch(
      'listeners',
      specs.map((spec) => listenerNode(spec, () => targets.get(spec))),
    ),
  ];
  if (config.edition === 'enterprise' && config.cluster) {
    checkClusterTransport(hivemq);
    desired.push(clusterNode(config.cluster));
  }
  return checkEditedConfig(reconcile(xml, hivemq, desired), config);
}

/**
 * The editor's output, parsed again before anyone may write it: it must be well-formed XML 1.0
 * and read back as exactly the listeners (and cluster TLS) that were asked for. A config.xml that
 * HiveMQ cannot parse does not stop CE: it logs "Using default config" and serves plain MQTT
 * (DESIGN.md), so a broken file must never reach a node. Returns `xml` when it passes.
 */
export function checkEditedConfig(xml: string, config: HiveMqTlsConfig): string {
  const fail = (why: string) =>
    new InputError(`the edited config.xml ${why}; nothing was written`, {
      hint: "the node's config.xml holds something the editor does not handle: fix it by hand, or report it with the file (passwords removed)",
    });
  let hivemq: XmlElement;
  try {
    hivemq = parseHiveMq(xml);
  } catch (error) {
    throw fail(`is not valid: ${(error as Error).message}`);
  }
  for (const listener of listenersOf(config)) {
    const read = readTlsListener(xml, listener.name);
    const wanted: [string, unknown, unknown][] = [
      ['port', read?.port, listener.port],
      ['bind-address', read?.bindAddress, collapseSpace(listener.bindAddress)],
      ['keystore path', read?.keystore?.path, collapseSpace(listener.keystore.path)],
      ['keystore password', read?.keystore?.password, passwordText(listener.keystore.password)],
      [
        'private-key-password',
        read?.keystore?.privateKeyPassword,
        passwordText(listener.keystore.privateKeyPassword),
      ],
      ['client-authentication-mode', read?.clientAuthenticationMode, listener.clientAuthenticationMode],
      ['type', read?.type, typeOf(listener)],
    ];
    if (typeOf(listener) === 'websocket')
      wanted.push(['path', read?.path, collapseSpace(listener.path ?? DEFAULT_WEBSOCKET_PATH)]);
    if (listener.truststore)
      wanted.push(
        ['truststore path', read?.truststore?.path, collapseSpace(listener.truststore.path)],
        ['truststore password', read?.truststore?.password, passwordText(listener.truststore.password)],
      );
    if (listener.protocols)
      wanted.push(['protocols', read?.protocols ?? [], listener.protocols.map(collapseSpace)]);
    if (listener.cipherSuites)
      wanted.push(['cipher-suites', read?.cipherSuites ?? [], listener.cipherSuites.map(collapseSpace)]);
    const differs = wanted.filter(
      ([, actual, expected]) => JSON.stringify(actual) !== JSON.stringify(expected),
    );
    if (differs.length > 0)
      throw fail(
        `does not read back as asked (${differs.map(([what]) => what).join(', ')} of listener "${listener.name}")`,
      );
  }
  const { cluster } = config;
  if (config.edition === 'enterprise' && cluster) {
    const tcp = [firstChild(hivemq, 'cluster'), 'transport', 'tcp'].reduce<XmlElement | undefined>(
      (parent, tag) => (typeof tag === 'string' ? parent && firstChild(parent, tag) : tag),
      undefined,
    );
    const tls = tcp && firstChild(tcp, 'tls');
    const keystore = tls && firstChild(tls, 'server-keystore');
    const truststore = tls && firstChild(tls, 'server-certificate-truststore');
    const wanted: [string, unknown, unknown][] = [
      ['cluster bind-port', tcp && collapsed(xml, tcp, 'bind-port'), String(cluster.bindPort)],
      ['cluster tls enabled', tls && collapsed(xml, tls, 'enabled'), 'true'],
      [
        'cluster keystore',
        keystore && readStore(xml, keystore),
        { path: cluster.keystore.path, password: passwordText(cluster.keystore.password) },
      ],
      [
        'cluster private-key-password',
        keystore && childText(xml, keystore, 'private-key-password'),
        passwordText(cluster.keystore.privateKeyPassword),
      ],
      [
        'cluster truststore',
        truststore && readStore(xml, truststore),
        { path: cluster.truststore.path, password: passwordText(cluster.truststore.password) },
      ],
    ];
    const differs = wanted.filter(
      ([, actual, expected]) => JSON.stringify(actual) !== JSON.stringify(expected),
    );
    if (differs.length > 0)
      throw fail(`does not read back as asked (${differs.map(([what]) => what).join(', ')})`);
  }
  return xml;
}

/** A password as config.xml's parsed text holds it: itself, or the placeholder HiveMQ replaces. */
function passwordText(password: PasswordValue): string {
  return typeof password === 'string' ? password : `\${ENV:${password.env}}`;
}

/**
 * The same XML with the content of every element whose name ends in "password" replaced by ***,
 * for plan diffs and logs; an empty one stays empty, so a diff still shows "no password".
 * Elements are found in the element tree (xml-scan), so a password in CDATA, an attribute value
 * holding ">" or "</password>" in another element's text cannot slip past or be hidden by mistake.
 * Commented-out elements have no tree: in a comment, everything after a start tag whose name ends
 * in "password" up to its end tag (or the comment's end) is hidden. A document that is not
 * well-formed is handled as one big comment, hiding more rather than less.
 */
export function redactPasswords(xml: string): string {
  if (!isWellFormed(xml)) return redactText(xml);
  const edits: { start: number; end: number; text: string }[] = [];
  const visit = (element: XmlElement) => {
    if (isPasswordTag(element.tag)) {
      // A placeholder names a variable, not a secret: showing it says where the password comes from.
      const content = xml.slice(element.openEnd, element.closeStart);
      if (element.closeStart > element.openEnd && !PLACEHOLDER.test(content))
        edits.push({ start: element.openEnd, end: element.closeStart, text: '***' });
      return;
    }
    element.children.forEach(visit);
  };
  scanElements(xml).forEach(visit);
  for (const comment of scanComments(xml))
    edits.push({ ...comment, text: redactText(xml.slice(comment.start, comment.end)) });
  let out = xml;
  for (const edit of edits.sort((a, b) => b.start - a.start))
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

const isPasswordTag = (tag: string) => /password$/i.test(tag);

/** Text without a tree: from each password-named start tag to its end tag, or to the end. */
function redactText(text: string): string {
  let out = '';
  let at = 0;
  const startTag = /<((?:[A-Za-z_][\w.:-]*)?password)(?:\s[^<>]*)?>/gi;
  for (let match = startTag.exec(text); match; match = startTag.exec(text)) {
    const contentStart = match.index + match[0].length;
    if (contentStart <= at) continue;
    const close = text.indexOf(`</${match[1]}`, contentStart);
    const contentEnd = close === -1 ? text.length - (text.endsWith('-->') ? 3 : 0) : close;
    out += text.slice(at, contentStart) + (contentEnd > contentStart ? '***' : '');
    at = Math.max(contentStart, contentEnd);
    startTag.lastIndex = at;
  }
  return out + text.slice(at);
}

/**
 * What the config says about the TLS listener (tcp or websocket) with this <name>, or undefined when
 * there is none. An element that exists but lacks a child reads that child as '' (a keystore without
 * <private-key-password> gives privateKeyPassword ''); a client-authentication-mode outside the
 * enum is left out, as HiveMQ would reject it.
 */
export function readTlsListener(xml: string, name: string): ReadTlsListener | undefined {
  return readTlsListeners(xml).find((listener) => listener.name === name);
}

/** Every <tls-tcp-listener> and <tls-websocket-listener>, named or not, in document order. */
export function readTlsListeners(xml: string): ReadTlsListener[] {
  const listeners = firstChild(parseHiveMq(xml), 'listeners');
  if (!listeners) return [];
  return listeners.children.flatMap((element) => {
    const type = LISTENER_TYPES.find((t) => TLS_TAG[t] === element.tag);
    return type ? [readListenerElement(xml, element, type)] : [];
  });
}

/**
 * Every listener without TLS: where the broker answers plain MQTT (tcp) or MQTT over ws://. A
 * broker whose TLS listener is gone still answers here once it has started.
 */
export function readPlainListeners(xml: string): PlainListener[] {
  const listeners = firstChild(parseHiveMq(xml), 'listeners');
  if (!listeners) return [];
  return listeners.children.flatMap((element): PlainListener[] => {
    const type = LISTENER_TYPES.find((t) => PLAIN_TAG[t] === element.tag);
    const port = collapsed(xml, element, 'port');
    if (!type || port === undefined || !/^\d+$/.test(port)) return [];
    const listener: PlainListener = {
      type,
      port: Number(port),
      bindAddress: collapsed(xml, element, 'bind-address') ?? ANY_IPV4,
    };
    const name = collapsed(xml, element, 'name');
    if (name !== undefined) listener.name = name;
    if (type === 'websocket') listener.path = collapsed(xml, element, 'path') ?? DEFAULT_WEBSOCKET_PATH;
    return [listener];
  });
}

function readListenerElement(xml: string, element: XmlElement, type: ListenerType): ReadTlsListener {
  const result: ReadTlsListener = { type };
  const name = collapsed(xml, element, 'name');
  if (name !== undefined) result.name = name;
  const port = collapsed(xml, element, 'port');
  if (port !== undefined && /^\d+$/.test(port)) result.port = Number(port);
  const bindAddress = collapsed(xml, element, 'bind-address');
  if (bindAddress !== undefined) result.bindAddress = bindAddress;
  if (type === 'websocket') result.path = collapsed(xml, element, 'path') ?? DEFAULT_WEBSOCKET_PATH;
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

/**
 * Whether config.xml turns clustering on: <hivemq><cluster><enabled> is xs:boolean true (or 1).
 * HiveMQ's default is off, so a <cluster> without <enabled>true</enabled> is not a cluster.
 */
export function clusterEnabled(xml: string): boolean {
  const cluster = firstChild(parseHiveMq(xml), 'cluster');
  const enabled = cluster && collapsed(xml, cluster, 'enabled');
  return enabled === 'true' || enabled === '1';
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
  const type = typeOf(spec);
  const children: DesiredNode[] = [
    leaf('port', String(spec.port)),
    leaf('bind-address', spec.bindAddress),
    leaf('name', spec.name),
  ];
  if (type === 'websocket') children.push(leaf('path', spec.path ?? DEFAULT_WEBSOCKET_PATH));
  children.push(branch('tls', tls));
  return { ...branch(TLS_TAG[type], children), locate };
}

/**
 * Cluster transport TLS as HiveMQ publishes it: <cluster><transport><tcp><tls> with <enabled>,
 * <server-keystore> (path, password, private-key-password) and <server-certificate-truststore>
 * (path, password), the structure of the <cluster> example in HiveMQ's intermediate-CA article
 * (https://www.hivemq.com/blog/securing-hivemq-broker-deployments-with-intermediate-ca-certificates/)
 * and of the cluster page's TLS section (https://docs.hivemq.com/hivemq/latest/user-guide/cluster.html).
 * Nothing else is written: the cluster page's further TLS elements (client authentication settings,
 * protocols, cipher suites) were not verifiable here, and Enterprise refuses to start on an element
 * it does not know; the rollout validates the result against the node's own config.xsd (Enterprise
 * ships it in conf/) before writing. What is proven without Enterprise: the JSSE harness in
 * test/interop/java/ClusterTls.java. Discovery and everything else in <cluster> is left alone.
 */
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

/**
 * Passwords are xs:string: every character, whitespace included, is part of the value. Compared as
 * markup, so a password an older writer left with a bare `${` (which HiveMQ would take for a
 * placeholder) is rewritten, and a placeholder is never taken for the password it stands for.
 */
function secret(tag: string, value: PasswordValue): LeafNode {
  return {
    kind: 'leaf',
    tag,
    value: typeof value === 'string' ? value : '',
    collapse: false,
    markup: passwordMarkup(value),
  };
}

/**
 * The element each spec reconciles: the TLS listener of its type with its <name>; else one of its
 * type without a name on the same port (e.g. HiveMQ's TLS samples), unless another spec claimed it.
 * A listener of the other type with the same name is refused: converting one is the operator's call.
 */
function assignTargets(
  xml: string,
  listeners: XmlElement,
  specs: readonly TlsListenerSpec[],
): Map<TlsListenerSpec, XmlElement> {
  const targets = new Map<TlsListenerSpec, XmlElement>();
  const claimed = new Set<XmlElement>();
  for (const spec of specs) {
    const type = typeOf(spec);
    const named = listeners.children.find(
      (element) =>
        LISTENER_TYPES.some((t) => TLS_TAG[t] === element.tag) &&
        collapsed(xml, element, 'name') === spec.name,
    );
    if (named && named.tag !== TLS_TAG[type])
      throw new InputError(
        `config.xml has a <${named.tag}> named "${spec.name}", and the inventory describes "${spec.name}" as a ${type} listener`,
        { hint: `give the ${type} listener another name, or rename or remove that listener in config.xml` },
      );
    if (named) {
      targets.set(spec, named);
      claimed.add(named);
    }
  }
  for (const spec of specs) {
    if (targets.has(spec)) continue;
    const unnamed = childElements(listeners, TLS_TAG[typeOf(spec)]).find(
      (element) =>
        !claimed.has(element) &&
        firstChild(element, 'name') === undefined &&
        collapsed(xml, element, 'port') === String(spec.port),
    );
    if (unnamed) {
      targets.set(spec, unnamed);
      claimed.add(unnamed);
    }
  }
  return targets;
}

const ANY_IPV4 = '0.0.0.0'; // the xsd's documented default bind-address
const ANY_ADDRESS = new Set([ANY_IPV4, '::', '[::]']);

const overlaps = (a: string, b: string) => a === b || ANY_ADDRESS.has(a) || ANY_ADDRESS.has(b);

/** HiveMQ would fail to bind the second listener on a port; say so before anything is written. */
function checkPortConflicts(
  xml: string,
  listeners: XmlElement,
  targets: ReadonlyMap<TlsListenerSpec, XmlElement>,
  specs: readonly TlsListenerSpec[],
): void {
  const ours = new Set(targets.values());
  for (const spec of specs) {
    for (const other of listeners.children) {
      if (ours.has(other) || collapsed(xml, other, 'port') !== String(spec.port)) continue;
      const address = collapsed(xml, other, 'bind-address') ?? ANY_IPV4;
      if (!overlaps(address, spec.bindAddress)) continue;
      const otherName = collapsed(xml, other, 'name');
      throw new InputError(
        `config.xml already has a ${other.tag}${otherName ? ` "${otherName}"` : ''} on ${address}:${spec.port}, where listener "${spec.name}" would go`,
        {
          hint: 'choose another port for that listener in tls.listeners, or remove that listener from config.xml',
        },
      );
    }
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

function checkSpec(config: HiveMqTlsConfig, specs: readonly TlsListenerSpec[]): void {
  const { cluster } = config;
  const problems: string[] = [];
  const nonEmpty = (what: string, value: string) => {
    if (value.trim() === '') problems.push(`${what} is empty`);
  };
  const port = (what: string, value: number) => {
    if (!Number.isInteger(value) || value < 0 || value > 65535)
      problems.push(`${what} ${value} is not a port (0-65535)`);
  };
  if (specs.length === 0) problems.push('no TLS listener is given');
  const names = new Set<string>();
  for (const listener of specs) {
    const type = typeOf(listener);
    if (!LISTENER_TYPES.includes(type)) problems.push(`listener type "${type}" is not tcp or websocket`);
    if (names.has(listener.name)) problems.push(`two listeners are named "${listener.name}"`);
    names.add(listener.name);
    nonEmpty('listener name', listener.name);
    nonEmpty('listener bind address', listener.bindAddress);
    nonEmpty('keystore path', listener.keystore.path);
    if (listener.truststore) nonEmpty('truststore path', listener.truststore.path);
    port(`listener "${listener.name}" port`, listener.port);
    if (type === 'websocket' && listener.path !== undefined && !/^\/\S*$/.test(listener.path))
      problems.push(
        `websocket path "${listener.path}" of "${listener.name}" is not an absolute path without spaces`,
      );
    if (type === 'tcp' && listener.path !== undefined)
      problems.push(`listener "${listener.name}" is tcp, and only a websocket listener has a path`);
    if (!isClientAuthMode(listener.clientAuthenticationMode))
      problems.push(
        `client authentication mode "${listener.clientAuthenticationMode}" is not NONE, OPTIONAL or REQUIRED`,
      );
    for (const item of [...(listener.protocols ?? []), ...(listener.cipherSuites ?? [])])
      nonEmpty('a protocol or cipher suite', item);
  }
  for (const [i, a] of specs.entries())
    for (const b of specs.slice(i + 1))
      if (a.port === b.port && overlaps(a.bindAddress, b.bindAddress))
        problems.push(`listeners "${a.name}" and "${b.name}" both want ${b.bindAddress}:${b.port}`);
  if (config.edition === 'enterprise' && cluster) {
    port('cluster bind port', cluster.bindPort);
    nonEmpty('cluster keystore path', cluster.keystore.path);
    nonEmpty('cluster truststore path', cluster.truststore.path);
  }
  const stores = [
    ...specs.flatMap((listener) => [listener.keystore, listener.truststore]),
    cluster?.keystore,
    cluster?.truststore,
  ];
  // Names, addresses, paths and lists are whitespace-collapsing in the xsd: a tab or line break in
  // one would silently become a space, so none may hold any control character.
  const collapsing: [string, string | undefined][] = [
    ...specs.flatMap((listener): [string, string | undefined][] => [
      ['listener name', listener.name],
      ['listener bind address', listener.bindAddress],
      ['websocket path', listener.path],
      ...[...(listener.protocols ?? []), ...(listener.cipherSuites ?? [])].map((item): [string, string] => [
        'a protocol or cipher suite',
        item,
      ]),
    ]),
    ['cluster bind address', cluster?.bindAddress],
    ...stores.map((store): [string, string | undefined] => ['a keystore or truststore path', store?.path]),
  ];
  for (const [what, value] of collapsing)
    if (
      value !== undefined &&
      [...value].some((char) => (char.codePointAt(0) ?? 0) < 0x20 || char === '\u007f')
    )
      problems.push(`${what} contains a control character`);
    else if (value !== undefined && hasCharacterXmlCannotHold(value))
      problems.push(`${what} contains a character XML cannot hold`);
  const passwords: PasswordValue[] = [
    ...specs.map((listener) => listener.keystore.privateKeyPassword),
    ...(cluster ? [cluster.keystore.privateKeyPassword] : []),
    ...stores.map((store) => store?.password ?? ''),
  ];
  for (const value of passwords)
    if (typeof value !== 'string' && !ENV_NAME.test(value.env))
      problems.push(`"${value.env}" is not an environment variable name (letters, digits, _)`);
  if (passwords.some((value) => typeof value === 'string' && hasCharacterXmlCannotHold(value)))
    problems.push('a keystore or truststore password contains a control character, which XML cannot hold');
  if (problems.length > 0)
    throw new InputError(
      `cannot write the TLS listener${specs.length === 1 ? '' : 's'} ${specs.map((l) => `"${l.name}"`).join(', ')}: ${problems.join('; ')}`,
      { hint: 'fix the tls settings in the inventory' },
    );
}

/**
 * XML 1.0's Char production (§2.2): tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF.
 * Nothing else can be written, escaped or not (a lone surrogate included).
 */
export function hasCharacterXmlCannotHold(value: string): boolean {
  return firstCharacterXmlCannotHold(value) !== undefined;
}

function firstCharacterXmlCannotHold(value: string): number | undefined {
  let index = 0;
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (
      (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) ||
      (code >= 0xd800 && code <= 0xdfff) ||
      code === 0xfffe ||
      code === 0xffff
    )
      return index;
    index += char.length;
  }
  return undefined;
}

/** fast-xml-parser's validator accepts characters XML 1.0 forbids; HiveMQ's parser does not. */
function isWellFormed(xml: string): boolean {
  return XMLValidator.validate(xml) === true && !hasCharacterXmlCannotHold(xml);
}

function parseHiveMq(xml: string): XmlElement {
  const bad = firstCharacterXmlCannotHold(xml);
  if (bad !== undefined) {
    const before = xml.slice(0, bad);
    const line = before.split('\n').length;
    const col = bad - before.lastIndexOf('\n');
    const code = (xml.codePointAt(bad) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    throw new InputError(
      `config.xml is not well-formed XML at line ${line}:${col}: U+${code} is not a character XML 1.0 allows`,
      { hint: 'fix config.xml by hand (or restore its backup) and run again' },
    );
  }
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

function collapseSpace(value: string): string {
  return value.replace(/[\t\n\r ]+/g, ' ').trim();
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
