// Inventory file → validated Inventory with defaults merged into every node. Reports every
// problem at once, each with file:line:col and its path, before anything else happens.
import { readFile, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { homedir } from 'node:os';
import { dirname, isAbsolute, resolve } from 'node:path';
import { type Document, isMap, isScalar, LineCounter, type Node, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { parseCommandLine } from '../alerts/command-line.js';
import { InputError, InventoryError, type InventoryProblem } from '../errors.js';
import { CA_ROLE_NAMES, SMOKE_LEAF_NAME } from '../pki/leaves.js';
import type { Subject } from '../pki/names.js';
import { formatSan, isDnsName, parseSan, type San } from '../pki/san.js';
import { checkHostName, checkUserName, JumpSpecError, parseProxyJump } from '../remote/jump.js';
import { BUILTIN_DEFAULTS, deepMerge, type NodeSettings, type SshSettings } from './defaults.js';
import { groupProblems } from './limit.js';
import { resolveListeners } from './listeners.js';
import { type InventoryInput, inventorySchema, type SecretRef } from './schema.js';

export interface InventoryNode extends NodeSettings {
  name: string;
  /** The name clients use: always in the SAN, verified in TLS. */
  host: string;
  /** Where SSH and MQTT connect. */
  address: string;
  sans: San[];
  /** The inventory groups it is in, for --limit. */
  groups: string[];
}

export interface InventoryClient {
  name: string;
  key: NodeSettings['tls']['key'];
  days?: number;
  /** The folder the client bundle is kept in. */
  out: string;
  password: SecretRef;
  /** Also write the PEM key unencrypted (0600) beside the encrypted one. */
  plainKey: boolean;
  /** Run after the bundle was renewed (no shell), in the inventory's folder. */
  onRenew?: { argv: string[]; cwd: string };
}

export interface Inventory {
  file: string;
  ca: { dir: string; password: SecretRef; subject: Subject };
  clients: InventoryClient[];
  nodes: InventoryNode[];
}

type Path = (string | number)[];

/** A fleet's inventory is a few hundred KiB at most; a bigger file is a mistake or an attack. */
export const MAX_INVENTORY_BYTES = 1024 * 1024;

/**
 * Names a node or client may not take: the CA's own files in the OpenSSL `ca` layout
 * (certs/ca.cert.pem, intermediate/certs/intermediate.cert.pem, ca-chain.cert.pem, the rollover's
 * intermediate-next and kept intermediate-<serial> files) and the tool's smoke-test client. A leaf
 * named like one would write over it. Compared without case: macOS and Windows file systems do.
 */
const RESERVED_NAMES: readonly string[] = [...CA_ROLE_NAMES, SMOKE_LEAF_NAME]; // pki/leaves.ts refuses them too
const RESERVED_PATTERN = /^intermediate-[0-9a-f]+$/i;

export function reservedNameProblem(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (RESERVED_NAMES.includes(lower) || RESERVED_PATTERN.test(name))
    return `"${name}" is reserved for the CA's own files (${RESERVED_NAMES.join(', ')}, intermediate-<serial>): choose another name`;
  return undefined;
}

function tooBig(file: string, bytes: number): InputError {
  return new InputError(
    `${file} is ${(bytes / 1024 / 1024).toFixed(1)} MiB: an inventory is at most ${MAX_INVENTORY_BYTES / 1024 / 1024} MiB`,
    { hint: 'check that --inventory names the inventory; split a very large fleet into several inventories' },
  );
}

export async function loadInventory(file: string, env: NodeJS.ProcessEnv): Promise<Inventory> {
  const cannotRead = (cause: unknown) =>
    new InputError(`cannot read the inventory ${file}`, {
      hint: 'check the path given to --inventory',
      cause,
    });
  // Size first: reading a huge file (or /dev/zero) to refuse it afterwards would exhaust memory.
  const info = await stat(file).catch((cause) => {
    throw cannotRead(cause);
  });
  if (info.isFile() && info.size > MAX_INVENTORY_BYTES) throw tooBig(file, info.size);
  if (!info.isFile())
    throw new InputError(`the inventory ${file} is not a regular file`, {
      hint: 'check the path given to --inventory',
    });
  const text = await readFile(file, 'utf8').catch((cause) => {
    throw cannotRead(cause);
  });
  return parseInventory(text, file, env);
}

export function parseInventory(text: string, file: string, env: NodeJS.ProcessEnv): Inventory {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_INVENTORY_BYTES) throw tooBig(file, bytes);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined) => {
    const pos = lines.linePos(offset ?? 0);
    return `${file}:${pos.line}:${pos.col}`;
  };
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => ({
      location: at(error.pos[0]),
      path: '',
      message: error.message.split('\n')[0] ?? '',
    }));
    throw new InventoryError(file, problems);
  }
  const located = (path: Path, message: string, useKey = false): InventoryProblem => ({
    location: at(locate(doc, path, useKey)),
    path: formatPath(path),
    message,
  });
  const parsed = inventorySchema.safeParse(toPlainData(doc, file, at));
  if (!parsed.success) throw new InventoryError(file, inFileOrder(schemaProblems(parsed.error, located)));

  const problems: InventoryProblem[] = [];
  const inventory = build(parsed.data, file, env, (path, message, useKey) =>
    problems.push(located(path, message, useKey)),
  );
  if (problems.length > 0) throw new InventoryError(file, inFileOrder(problems));
  return inventory;
}

/**
 * The document as plain data. The yaml library refuses to expand aliases (*name) beyond a bound,
 * as a "billion laughs" file would need (it throws a ReferenceError): that is a problem of the
 * file, reported at its first alias.
 */
function toPlainData(doc: Document, file: string, at: (offset: number | undefined) => string): unknown {
  try {
    return doc.toJS();
  } catch (cause) {
    let first: number | undefined;
    visit(doc, {
      Alias(_key, node) {
        first = node.range?.[0];
        return visit.BREAK;
      },
    });
    throw new InventoryError(
      file,
      [
        {
          location: at(first),
          path: '',
          message: `its aliases (*name) expand to too much (${(cause as Error).message}): write the values out`,
        },
      ],
      { cause },
    );
  }
}

/** Problems in the order a reader meets them in the file (line, then column). */
function inFileOrder(problems: InventoryProblem[]): InventoryProblem[] {
  const position = (problem: InventoryProblem) => {
    const [, line = '0', col = '0'] = /:(\d+):(\d+)$/.exec(problem.location) ?? [];
    return Number(line) * 1e6 + Number(col);
  };
  return problems
    .map((problem, index) => ({ problem, index }))
    .sort((a, b) => position(a.problem) - position(b.problem) || a.index - b.index)
    .map(({ problem }) => problem);
}

function schemaProblems(
  error: z.ZodError,
  located: (path: Path, message: string, useKey?: boolean) => InventoryProblem,
) {
  const problems: InventoryProblem[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push(located([...path, key], `unknown key "${key}"`, true));
    } else {
      problems.push(located(path, issue.message));
    }
  }
  return problems;
}

type Report = (path: Path, message: string, useKey?: boolean) => void;

function build(input: InventoryInput, file: string, env: NodeJS.ProcessEnv, report: Report): Inventory {
  const base = dirname(resolve(file));
  const defaults = deepMerge(BUILTIN_DEFAULTS, input.defaults);
  checkNames(input, report);
  checkSsh(input.defaults?.ssh, ['defaults', 'ssh'], report);
  const nodes = input.nodes.map((raw, index): InventoryNode => {
    checkHost(raw, index, report);
    const settings = deepMerge(defaults, {
      ssh: raw.ssh,
      hivemq: raw.hivemq,
      tls: raw.tls,
      cluster: raw.cluster,
    });
    checkSsh(raw.ssh, ['nodes', index, 'ssh'], report);
    settings.ssh = sshSettings(settings.ssh, base, env);
    const { keystore, truststore } = settings.tls;
    settings.tls = {
      ...settings.tls,
      keystore: {
        ...keystore,
        password: expandRef(keystore.password, base, env),
        keyPassword: keystore.keyPassword && expandRef(keystore.keyPassword, base, env),
      },
      truststore: { password: expandRef(truststore.password, base, env) },
    };
    const listeners = resolveListeners(input.defaults?.tls, raw.tls, settings.tls, ['nodes', index], report);
    const [primary] = listeners;
    settings.tls = {
      ...settings.tls,
      listeners,
      listener: primary
        ? { name: primary.name, port: primary.port, bindAddress: primary.bindAddress }
        : settings.tls.listener,
      environmentFile:
        settings.tls.environmentFile || `${settings.tls.dir.replace(/\/+$/, '')}/hivemq-tls.env`,
    };
    if (settings.cluster.tls === true && settings.hivemq.edition === 'community')
      report(
        ['nodes', index, ...(raw.cluster?.tls === true ? ['cluster', 'tls'] : ['name'])],
        'cluster.tls: true asks for cluster transport TLS, and hivemq.edition: community has no cluster',
      );
    return {
      name: raw.name,
      host: raw.host,
      address: raw.address ?? raw.host,
      sans: nodeSans(raw, index, report),
      groups: raw.groups ?? [],
      ...settings,
    };
  });
  for (const problem of groupProblems(nodes)) {
    const at = problem.group < 0 ? ['name'] : ['groups', problem.group];
    report(['nodes', problem.node, ...at], problem.message);
  }
  return {
    file: resolve(file),
    ca: {
      dir: expandPath(input.ca.dir, base, env),
      password: expandRef(input.ca.password, base, env),
      subject: input.ca.subject ?? {},
    },
    clients: (input.clients ?? []).map((client, index) => ({
      name: client.name,
      key: client.key ?? defaults.tls.key,
      days: client.days,
      out: expandPath(client.out ?? `clients/${client.name}`, base, env),
      password: expandRef(client.password, base, env),
      plainKey: client.plainKey ?? false,
      onRenew: client.onRenew === undefined ? undefined : onRenew(client.onRenew, index, base, report),
    })),
    nodes,
  };
}

/**
 * Node and client names become file names in the CA (certs/<name>.cert.pem, private/<name>.key.pem)
 * and keystore aliases: no two may be equal (without case, as on case-insensitive file systems),
 * and none may be one of the CA's own.
 */
function checkNames(input: InventoryInput, report: Report): void {
  const seen = new Map<string, string>();
  const entries = [
    ...input.nodes.map((node, i) => ({
      name: node.name,
      path: ['nodes', i, 'name'] as Path,
      where: `nodes[${i}]`,
    })),
    ...(input.clients ?? []).map((client, i) => ({
      name: client.name,
      path: ['clients', i, 'name'] as Path,
      where: `clients[${i}]`,
    })),
  ];
  for (const entry of entries) {
    const reserved = reservedNameProblem(entry.name);
    if (reserved) report(entry.path, reserved);
    const key = entry.name.toLowerCase();
    const first = seen.get(key);
    if (first === undefined) seen.set(key, entry.where);
    else {
      const kind = (where: string) => (where.startsWith('nodes') ? 'node' : 'client');
      const what =
        kind(first) === kind(entry.where)
          ? `duplicate ${kind(first)} name "${entry.name}" (also ${first})`
          : `"${entry.name}" names both a node and a client (also ${first}): the CA keeps one name for one kind of certificate`;
      report(entry.path, what);
    }
  }
}

/**
 * host goes into the certificate and TLS checks (without a sans list nodeSans checks it as the
 * SAN it becomes); address is where SSH and MQTT connect.
 */
function checkHost(node: InventoryInput['nodes'][number], index: number, report: Report): void {
  for (const key of node.sans ? (['host', 'address'] as const) : (['address'] as const)) {
    const value = node[key];
    if (value !== undefined && !isIP(value) && !isDnsName(value))
      report(['nodes', index, key], `"${value}" is neither a DNS name nor an IP address`);
  }
}

/**
 * The values ssh will be handed (host, user, ProxyJump) checked against their grammar: each of
 * them reaches an ssh argument, so nothing else may.
 */
function checkSsh(ssh: Partial<SshSettings> | undefined, path: Path, report: Report): void {
  const check = (key: string, value: string | undefined, validate: (value: string) => unknown) => {
    if (value === undefined) return;
    try {
      validate(value);
    } catch (error) {
      if (!(error instanceof JumpSpecError)) throw error;
      report([...path, key], error.message);
    }
  };
  check('host', ssh?.host, (value) => checkHostName(value));
  check('user', ssh?.user, (value) => checkUserName(value));
  check('proxyJump', ssh?.proxyJump, parseProxyJump);
}

/** Paths expanded (~, relative to the inventory); the agent socket from the environment we were given. */
function sshSettings(ssh: SshSettings, base: string, env: NodeJS.ProcessEnv): SshSettings {
  const path = (value: string | undefined) =>
    value === undefined ? undefined : expandPath(value, base, env);
  return {
    ...ssh,
    ...defined({
      privateKey: path(ssh.privateKey),
      knownHosts: path(ssh.knownHosts),
      configFile: ssh.configFile === 'none' ? 'none' : path(ssh.configFile),
      passphrase: ssh.passphrase && expandRef(ssh.passphrase, base, env),
      becomePassword: ssh.becomePassword && expandRef(ssh.becomePassword, base, env),
      agentSocket: (ssh.agent && env.SSH_AUTH_SOCK) || undefined,
    }),
  };
}

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** A client's onRenew command as argv; a program named by a relative path is the inventory's, like every path. */
function onRenew(
  text: string,
  index: number,
  base: string,
  report: Report,
): { argv: string[]; cwd: string } | undefined {
  try {
    const [program, ...args] = parseCommandLine(text, 'onRenew');
    const resolved = program?.includes('/') ? resolve(base, program) : (program as string);
    return { argv: [resolved, ...args], cwd: base };
  } catch (error) {
    report(['clients', index, 'onRenew'], (error as Error).message.replace(/^onRenew: /, ''));
    return undefined;
  }
}

/** The node's SANs; without a list, its host (and its address when that is an IP). */
function nodeSans(node: InventoryInput['nodes'][number], index: number, report: Report): San[] {
  const hostSan = `${isIP(node.host) ? 'IP' : 'DNS'}:${node.host}`;
  const entries = node.sans ?? [
    hostSan,
    ...(node.address && isIP(node.address) ? [`IP:${node.address}`] : []),
  ];
  const sans: San[] = [];
  entries.forEach((entry, i) => {
    try {
      sans.push(parseSan(entry, `nodes[${index}].sans[${i}]`));
    } catch (error) {
      report(
        ['nodes', index, ...(node.sans ? ['sans', i] : ['host'])],
        (error as Error).message.replace(/^[^:]*: /, ''),
      );
    }
  });
  const covered = sans.some((san) => formatSan(san) === formatSan(parseSanQuiet(hostSan)));
  if (node.sans && sans.length === entries.length && !covered) {
    report(
      ['nodes', index, 'sans'],
      `does not cover host "${node.host}": clients verify that name (add ${hostSan})`,
    );
  }
  return sans;
}

function parseSanQuiet(entry: string): San {
  try {
    return parseSan(entry);
  } catch {
    return { type: 'dns', value: entry };
  }
}

function expandPath(path: string, base: string, env: NodeJS.ProcessEnv): string {
  if (path === '~' || path.startsWith('~/')) return resolve(env.HOME ?? homedir(), path.slice(2));
  return isAbsolute(path) ? path : resolve(base, path);
}

/** A password file is found like every other path: relative to the inventory, or from ~. */
function expandRef(ref: SecretRef, base: string, env: NodeJS.ProcessEnv): SecretRef {
  return 'file' in ref ? { file: expandPath(ref.file, base, env) } : ref;
}

function formatPath(path: Path): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join('');
}

/** The offset of the YAML node at path (or of its key), else of the nearest existing parent. */
function locate(doc: Document, path: Path, useKey: boolean): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    if (useKey && depth === path.length && depth > 0) {
      const parent = doc.getIn(prefix.slice(0, -1), true);
      if (isMap(parent)) {
        const pair = parent.items.find(
          (item) => isScalar(item.key) && item.key.value === prefix[prefix.length - 1],
        );
        const keyNode = pair?.key as Node | undefined;
        if (keyNode?.range) return keyNode.range[0];
      }
      continue;
    }
    const node = (depth === 0 ? doc.contents : doc.getIn(prefix, true)) as Node | undefined;
    if (node?.range) return node.range[0];
  }
  return undefined;
}
