// The inventory's shape, once: it validates files and generates inventory.schema.json for editors.
import { z } from 'zod';
import { KEY_TYPES } from '../pki/profiles.js';
import { RENEWAL_WINDOW, RENEWAL_WINDOW_HINT } from '../pki/renewal.js';

const port = z
  .number({ error: 'a port is a number' })
  .int({ error: 'a port is a whole number' })
  .min(1, { error: 'a port is 1..65535' })
  .max(65535, { error: 'a port is 1..65535' });

const nonEmpty = z.string({ error: 'expected text' }).min(1, { error: 'must not be empty' });

/** A password is never written into the inventory: it names where to read it. */
export const secretRef = z.union([z.strictObject({ env: nonEmpty }), z.strictObject({ file: nonEmpty })], {
  error: (issue) =>
    typeof issue.input === 'string' || typeof issue.input === 'number'
      ? 'a password written inline: refuse to keep secrets in the inventory'
      : 'expected { env: VARIABLE } or { file: PATH }',
});

const duration = z
  .string()
  .regex(RENEWAL_WINDOW, { error: `write a renewal window as ${RENEWAL_WINDOW_HINT}` });

export const sshSchema = z.strictObject({
  user: nonEmpty.optional(),
  port: port.optional(),
  privateKey: nonEmpty.optional(),
  knownHosts: nonEmpty.optional(),
  /** Run remote commands through sudo when the SSH user is not root. */
  become: z.boolean().optional(),
  /** Authenticate through ssh-agent ($SSH_AUTH_SOCK) instead of privateKey. */
  agent: z.boolean().optional(),
});

export const hivemqSchema = z.strictObject({
  home: nonEmpty.optional(),
  edition: z.enum(['community', 'enterprise']).optional(),
  serviceUser: nonEmpty.optional(),
  restart: nonEmpty.optional(),
  log: nonEmpty.optional(),
});

export const tlsSchema = z.strictObject({
  dir: nonEmpty.optional(),
  listener: z
    .strictObject({ name: nonEmpty.optional(), port: port.optional(), bindAddress: nonEmpty.optional() })
    .optional(),
  clientAuth: z.enum(['NONE', 'OPTIONAL', 'REQUIRED']).optional(),
  keystore: z
    .strictObject({
      format: z.enum(['jks', 'pkcs12']).optional(),
      password: secretRef.optional(),
      keyPassword: secretRef.optional(),
    })
    .optional(),
  truststore: z.strictObject({ password: secretRef.optional() }).optional(),
  key: z.enum(KEY_TYPES).optional(),
  days: z.number().int().positive().optional(),
  renewBefore: duration.optional(),
  protocols: z.array(z.enum(['TLSv1.2', 'TLSv1.3'])).optional(),
  cipherSuites: z.array(nonEmpty).optional(),
});

export const clusterSchema = z.strictObject({ tls: z.boolean().optional(), bindPort: port.optional() });

const overridable = {
  ssh: sshSchema.optional(),
  hivemq: hivemqSchema.optional(),
  tls: tlsSchema.optional(),
  cluster: clusterSchema.optional(),
};

const nodeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, {
  error: 'a node name is letters, digits, ".", "_" and "-" (it names files and keystore aliases)',
});

export const nodeSchema = z.strictObject({
  name: nodeName,
  host: nonEmpty,
  address: nonEmpty.optional(),
  sans: z.array(z.string()).optional(),
  ...overridable,
});

export const inventorySchema = z.strictObject({
  ca: z.strictObject({
    dir: nonEmpty,
    password: secretRef,
    subject: z
      .strictObject({
        C: z.string().length(2).optional(),
        ST: z.string().optional(),
        L: z.string().optional(),
        O: z.string().optional(),
        OU: z.string().optional(),
      })
      .optional(),
  }),
  defaults: z.strictObject(overridable).optional(),
  clients: z
    .array(
      z.strictObject({
        name: nodeName,
        key: z.enum(KEY_TYPES).optional(),
        days: z.number().int().positive().optional(),
        /** Where the bundle is kept (default ./clients/<name> beside the inventory). */
        out: nonEmpty.optional(),
        /** The bundle's keystore and PEM-key password (default: the nodes' keystore password). */
        password: secretRef.optional(),
      }),
    )
    .optional(),
  nodes: z.array(nodeSchema).min(1, { error: 'an inventory needs at least one node' }),
});

export type InventoryInput = z.infer<typeof inventorySchema>;
export type SecretRef = z.infer<typeof secretRef>;
