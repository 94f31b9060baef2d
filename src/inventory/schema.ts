// The inventory's shape, once: it validates files and generates inventory.schema.json for editors.
import { z } from 'zod';
import { CONTROL_CLASS } from '../control.js';
import { KEY_TYPES, MAX_LEAF_DAYS } from '../pki/profiles.js';
import { RENEWAL_WINDOW, RENEWAL_WINDOW_HINT } from '../pki/renewal.js';

const port = z
  .number({ error: 'a port is a number' })
  .int({ error: 'a port is a whole number' })
  .min(1, { error: 'a port is 1..65535' })
  .max(65535, { error: 'a port is 1..65535' });

const nonEmpty = z.string({ error: 'expected text' }).min(1, { error: 'must not be empty' });

/** No inventory value may hold a control character (src/control.ts says which and why). */
const WITHOUT_CONTROL = new RegExp(`^[^${CONTROL_CLASS}]*$`);
const A_CONTROL = new RegExp(`[${CONTROL_CLASS}]`);

/** "contains U+000A (a control character)": which one, since most of them print as nothing. */
export function controlCharacterProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const found = A_CONTROL.exec(value)?.[0];
  if (found === undefined) return undefined;
  const code = (found.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  return `contains U+${code} at character ${A_CONTROL.exec(value)?.index ?? 0}, a control character no value may hold`;
}

/** Non-empty text on one line, without control characters. */
const text = (max = 1024) =>
  nonEmpty.max(max, { error: `at most ${max} characters` }).regex(WITHOUT_CONTROL, {
    error: (issue) => controlCharacterProblem(issue.input) ?? 'a control character',
  });

/** A path on the control host: relative to the inventory, ~/…, or absolute. PATH_MAX is 4096 on Linux. */
const localPath = text(4096);

/**
 * A path on a node. Absolute, because a relative one would depend on the SSH user's home folder
 * (and, with sudo, on root's), and the same inventory must mean the same files on every node.
 */
const remotePath = text(4096).regex(/^\//, {
  error: (issue) => `"${issue.input}" is not an absolute path: paths on a node start with /`,
});

/** A leaf's lifetime; pki also refuses one that would outlive the issuing intermediate. */
const days = z
  .number({ error: `a certificate lives 1..${MAX_LEAF_DAYS} days` })
  .int({ error: `a certificate lives 1..${MAX_LEAF_DAYS} days` })
  .min(1, { error: `a certificate lives 1..${MAX_LEAF_DAYS} days` })
  .max(MAX_LEAF_DAYS, { error: `a certificate lives 1..${MAX_LEAF_DAYS} days` });

const duration = z
  .string()
  .regex(RENEWAL_WINDOW, { error: `write a renewal window as ${RENEWAL_WINDOW_HINT}` });

/**
 * A user or group name as useradd(8) allows it. It becomes chown's owner:group word on the node,
 * where a ":" would start another group and a leading "-" an option.
 */
const accountName = z.string({ error: 'expected text' }).regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/, {
  error: 'a user or group name is up to 32 letters, digits, "_", "." and "-", not starting with "-" or "."',
});

/** An environment variable name as POSIX sh can export it. */
const envName = z.string({ error: 'expected text' }).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: 'an environment variable name is letters, digits and "_", not starting with a digit',
});

/** A password is never written into the inventory: it names where to read it. */
const passwordRef = (missing: string) =>
  z.union([z.strictObject({ env: envName }), z.strictObject({ file: localPath })], {
    error: (issue) =>
      issue.input === undefined
        ? missing
        : typeof issue.input === 'string' || typeof issue.input === 'number'
          ? 'a password written inline: refuse to keep secrets in the inventory'
          : 'expected { env: VARIABLE } or { file: PATH }',
  });

export const secretRef = passwordRef('expected { env: VARIABLE } or { file: PATH }');

export const sshSchema = z.strictObject({
  /** The name ssh connects to and looks up in the ssh config (default: the node's address). */
  host: text(255).optional(),
  user: text(255).optional(),
  port: port.optional(),
  privateKey: localPath.optional(),
  /** Passphrase of a protected privateKey. */
  passphrase: secretRef.optional(),
  knownHosts: localPath.optional(),
  /** Jump hosts in OpenSSH syntax: [user@]host[:port], comma-separated for a chain; none for none. */
  proxyJump: text(4096).optional(),
  /** The OpenSSH client config to read (default ~/.ssh/config when it exists); none: none. */
  configFile: localPath.optional(),
  /** builtin (in-process SSH) or openssh (the system ssh client: certificates). */
  transport: z.enum(['builtin', 'openssh']).optional(),
  /** Run remote commands through sudo when the SSH user is not root. */
  become: z.boolean().optional(),
  /** The password sudo asks for (given to sudo -S on stdin). */
  becomePassword: secretRef.optional(),
  /** Authenticate through ssh-agent ($SSH_AUTH_SOCK) instead of privateKey. */
  agent: z.boolean().optional(),
});

export const hivemqSchema = z.strictObject({
  home: remotePath.optional(),
  /** auto: read from the node (conf/config.xsd, bin/hivemq.jar, license/); a value the node contradicts is an error. */
  edition: z.enum(['auto', 'community', 'enterprise']).optional(),
  serviceUser: accountName.optional(),
  /**
   * The operator's own restart command, run on the node as written: the one inventory value that
   * is a command by design. One line, no control characters.
   */
  restart: text(4096).optional(),
  /** Seconds the restart command may take before it is killed and the node rolled back. */
  restartTimeout: z.number().int().min(5).max(3600).optional(),
  log: remotePath.optional(),
});

/**
 * The address a listener binds on the node: an IP literal (IPv4, or IPv6 without brackets), or
 * 0.0.0.0 / :: for all. Not a host name: HiveMQ would resolve it when it starts, a name with
 * several addresses binds only one of them, and the plan compares addresses as written.
 */
const bindAddress = z.union([z.ipv4(), z.ipv6()], {
  error: (issue) =>
    `"${String(issue.input)}" is not an IP address: bind to an address of the node (IPv6 without brackets), or 0.0.0.0 / :: for all`,
});

/** JSSE's standard names (Java Security Standard Algorithm Names), e.g. TLS_AES_256_GCM_SHA384. */
const cipherSuite = z.string({ error: 'expected text' }).regex(/^[A-Za-z0-9_]{1,128}$/, {
  error: 'a cipher suite is a Java standard name such as TLS_AES_256_GCM_SHA384 (letters, digits and "_")',
});

/** How many backup folders a node keeps (the newest; the one a rollout just made always among them). */
const backups = z
  .number({ error: 'expected a number' })
  .int({ error: 'a whole number' })
  .min(1, { error: 'keep at least 1 backup (the one a rollout restores from)' })
  .max(100, { error: 'at most 100 backups' });

const clientAuth = z.enum(['NONE', 'OPTIONAL', 'REQUIRED']);
const protocols = z.array(z.enum(['TLSv1.2', 'TLSv1.3']));
const cipherSuites = z.array(cipherSuite).max(200, { error: 'at most 200 cipher suites' });

/**
 * The HTTP path of a websocket listener: absolute, and only the characters RFC 3986 allows in a
 * path (unreserved, sub-delims, ":", "@", "/" and %-escapes), so it means the same in config.xml
 * and in a wss:// URL.
 */
const websocketPath = z
  .string({ error: 'expected text' })
  .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,1023}$/, {
    error: "write an absolute URL path such as /mqtt (letters, digits and -._~!$&'()*+,;=:@%/)",
  });

/** One TLS listener: tcp (<tls-tcp-listener>, mqtts://) or websocket (<tls-websocket-listener>, wss://). */
export const listenerSchema = z.strictObject({
  type: z.enum(['tcp', 'websocket']).optional(),
  name: text(255).optional(),
  port: port.optional(),
  bindAddress: bindAddress.optional(),
  /** websocket only (default /mqtt). */
  path: websocketPath.optional(),
  clientAuth: clientAuth.optional(),
  protocols: protocols.optional(),
  cipherSuites: cipherSuites.optional(),
});

export const tlsSchema = z.strictObject({
  dir: remotePath.optional(),
  /** The one tcp listener of earlier inventories; the same as a one-element `listeners`. */
  listener: z
    .strictObject({ name: text(255).optional(), port: port.optional(), bindAddress: bindAddress.optional() })
    .optional(),
  listeners: z.array(listenerSchema).min(1, { error: 'list at least one listener' }).optional(),
  /** config: passwords in config.xml (HiveMQ's default); environment: ${ENV:…} placeholders there, values in environmentFile. */
  passwordsIn: z.enum(['config', 'environment']).optional(),
  environmentFile: remotePath.optional(),
  clientAuth: clientAuth.optional(),
  keystore: z
    .strictObject({
      format: z.enum(['jks', 'pkcs12']).optional(),
      password: secretRef.optional(),
      keyPassword: secretRef.optional(),
    })
    .optional(),
  truststore: z.strictObject({ password: secretRef.optional() }).optional(),
  key: z.enum(KEY_TYPES).optional(),
  days: days.optional(),
  renewBefore: duration.optional(),
  protocols: protocols.optional(),
  cipherSuites: cipherSuites.optional(),
  /** Backup folders kept under <dir>/backup (default 5). */
  backups: backups.optional(),
});

/**
 * cluster.tls: auto (default) secures the cluster transport of an Enterprise node whose config.xml
 * enables clustering; true asks for it on every node (an error on Community Edition, which has no
 * cluster); false never touches <cluster>.
 */
export const clusterSchema = z.strictObject({
  tls: z.union([z.boolean(), z.literal('auto')], { error: 'write auto, true or false' }).optional(),
  bindPort: port.optional(),
});

const overridable = {
  ssh: sshSchema.optional(),
  hivemq: hivemqSchema.optional(),
  tls: tlsSchema.optional(),
  cluster: clusterSchema.optional(),
};

const nodeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
  error: 'a node name is letters, digits, ".", "_" and "-" (it names files and keystore aliases)',
});

/** Enough for any real fleet; it bounds what one run holds (an SSH connection per node, kept open). */
export const MAX_NODES = 1000;
export const MAX_CLIENTS = 1000;

/** No pattern characters (`*?[]!&:,`) in a group name: --limit reads those. */
const groupName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
  error: 'a group name is letters, digits, ".", "_" and "-" (--limit reads the other characters)',
});

export const nodeSchema = z.strictObject({
  name: nodeName,
  host: text(253),
  address: text(253).optional(),
  sans: z.array(text(260)).max(100, { error: 'at most 100 SANs' }).optional(),
  ...overridable,
  /** Groups the node is in, for --limit (as Ansible's inventory groups; a node may be in several). */
  groups: z.array(groupName).max(100, { error: 'at most 100 groups' }).optional(),
});

/**
 * RFC 5280's upper bound (ub-organization-name etc.) is 64. No "/": index.txt and openssl's -subj
 * write a subject as /C=DE/O=… with no way to escape one, so it would split the value.
 */
const subjectValue = text(64).regex(/^[^/]*$/, {
  error: 'a subject value cannot hold "/" (index.txt writes subjects as /C=…/O=… without escapes)',
});

export const inventorySchema = z.strictObject({
  ca: z.strictObject({
    dir: localPath,
    password: secretRef,
    subject: z
      .strictObject({
        C: z
          .string()
          .regex(/^[A-Z]{2}$/, { error: 'a two-letter country code such as DE' })
          .optional(),
        ST: subjectValue.optional(),
        L: subjectValue.optional(),
        O: subjectValue.optional(),
        OU: subjectValue.optional(),
      })
      .optional(),
  }),
  defaults: z.strictObject(overridable).optional(),
  clients: z
    .array(
      z.strictObject({
        name: nodeName,
        key: z.enum(KEY_TYPES).optional(),
        days: days.optional(),
        /** Where the bundle is kept (default ./clients/<name> beside the inventory). */
        out: localPath.optional(),
        /**
         * The bundle's keystore and PEM-key password; required. The bundle leaves the control host
         * for an application, so its password must not also open the brokers' keystores.
         */
        password: passwordRef(
          'a client bundle needs a password of its own: add password: { env: VARIABLE } or { file: PATH }',
        ),
        /** Also write the key unencrypted (0600), for tools that cannot prompt, such as mosquitto. */
        plainKey: z.boolean().optional(),
        /** A command run (without a shell) after the bundle was renewed, with a JSON summary on stdin. */
        onRenew: text(4096).optional(),
      }),
    )
    .max(MAX_CLIENTS, { error: `an inventory holds at most ${MAX_CLIENTS} clients` })
    .optional(),
  nodes: z
    .array(nodeSchema)
    .min(1, { error: 'an inventory needs at least one node' })
    .max(MAX_NODES, {
      error: `an inventory holds at most ${MAX_NODES} nodes; split the fleet into several inventories`,
    }),
});

export type InventoryInput = z.infer<typeof inventorySchema>;
export type SecretRef = z.infer<typeof secretRef>;
