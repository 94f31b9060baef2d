// `deploy-tls issue node | client`: a certificate and its keystores, written locally; `issue
// --inventory`: every node's (and client's) at once.
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { BundleResult } from '../bundles/issue.js';
import type { FleetIssueResult } from '../commands/issue.js';
import { UsageError } from '../errors.js';
import type { KeystoreFormat, Pkcs12Profile } from '../keystore/index.js';
import { generateKey, type KeyPair } from '../pki/keys.js';
import { isKeyType, KEY_TYPES, type KeyType, MAX_LEAF_DAYS } from '../pki/profiles.js';
import {
  type CliIo,
  caDirOption,
  caPasswordFileOption,
  collect,
  inventoryFrom,
  limitOption,
  positiveInt,
} from './options.js';
import { table } from './render.js';
import {
  caPasswordSpec,
  inventorySecretResolver,
  optionalSecret,
  PASSWORD_ENV,
  requiredSecret,
} from './secrets.js';

function leafDays(value: string): number {
  const days = positiveInt(value);
  if (days > MAX_LEAF_DAYS)
    throw new InvalidArgumentError(`at most ${MAX_LEAF_DAYS} days (the intermediate's own lifetime)`);
  return days;
}

function keyType(value: string): KeyType {
  if (!isKeyType(value)) throw new InvalidArgumentError(`choose one of ${KEY_TYPES.join(', ')}`);
  return value;
}

function issueOptions(command: Command): Command {
  return command
    .addOption(caDirOption())
    .requiredOption('--name <name>', 'certificate name: file names and keystore alias')
    .addOption(
      new Option('--key <type>', 'key type').choices(KEY_TYPES).default('rsa-2048').argParser(keyType),
    )
    .option('--days <n>', `validity in days (node 365, client 375; at most ${MAX_LEAF_DAYS})`, leafDays)
    .addOption(new Option('--format <format>', 'keystore format').choices(['jks', 'pkcs12']).default('jks'))
    .addOption(
      new Option(
        '--pkcs12-profile <profile>',
        'PKCS#12 encryption: AES-256/SHA-256, or 3DES/SHA-1 for old readers',
      )
        .choices(['modern', 'legacy'])
        .default('modern'),
    )
    .option('--out <dir>', 'where to write the bundle (default: out/<name>)')
    .addOption(caPasswordFileOption())
    .option(
      '--keystore-password-file <file>',
      `keystore password file (default: env ${PASSWORD_ENV.keystore})`,
    )
    .option(
      '--key-password-file <file>',
      `private-key password file (default: env ${PASSWORD_ENV.key}, else the keystore password)`,
    )
    .option(
      '--truststore-password-file <file>',
      `truststore password file (default: env ${PASSWORD_ENV.truststore}, else the keystore password)`,
    );
}

interface IssueFlags {
  caDir: string;
  name: string;
  key: KeyType;
  days?: number;
  format: KeystoreFormat;
  pkcs12Profile: Pkcs12Profile;
  out?: string;
  caPasswordFile?: string;
  keystorePasswordFile?: string;
  keyPasswordFile?: string;
  truststorePasswordFile?: string;
}

interface FleetIssueFlags {
  inventory?: string;
  limit?: string[];
  out?: string;
  json?: boolean;
}

export function addIssueCommands(program: Command, io: CliIo): void {
  const issue = program
    .command('issue')
    .description(
      'issue certificates and write keystores locally: one node or client, or with --inventory every node',
    )
    .enablePositionalOptions() // `issue node --out` is the subcommand's --out, not this one's
    .option('-i, --inventory <file>', "every node's keystore and truststore, and the client bundles")
    .addOption(limitOption())
    .option('--out <dir>', 'with --inventory: write to <dir>/nodes/<name> and <dir>/clients/<name>')
    .option('--json', 'with --inventory: print JSON')
    .action(async (flags: FleetIssueFlags) => {
      if (!flags.inventory)
        throw new UsageError('issue needs a command (node, client) or --inventory FILE', {
          hint: 'deploy-tls issue --help',
        });
      if (!flags.out) throw new UsageError('issue --inventory needs --out DIR');
      const inventory = await inventoryFrom(flags, 'issue', io);
      const { issueFleet } = await import('../commands/issue.js');
      const result = await issueFleet({
        inventory,
        limit: flags.limit,
        out: flags.out,
        resolveSecret: inventorySecretResolver(io),
        now: io.clock.now(),
      });
      io.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : renderFleetIssue(result));
    });
  issueOptions(
    issue.command('node').description('a broker node certificate (serverAuth + clientAuth) and keystores'),
  )
    .option(
      '--san <san...>',
      'DNS:<name> or IP:<address>; repeat or separate by commas (first DNS name = CN)',
      collect,
    )
    .action(async (flags: IssueFlags & { san?: string[] }) => {
      const key = startKey(flags.key);
      const inputs = await issueInputs(flags, io);
      const { issueNode } = await import('../commands/issue.js');
      const result = await issueNode({ ...inputs, key, sans: flags.san ?? [] });
      printIssued(io, 'node', result);
    });
  issueOptions(
    issue.command('client').description('a client certificate (clientAuth) with keystores and PEM files'),
  )
    .option('--plain-key', 'write the PEM private key unencrypted (mode 0600), for tools that cannot prompt')
    .action(async (flags: IssueFlags & { plainKey?: boolean }) => {
      const key = startKey(flags.key);
      const inputs = await issueInputs(flags, io);
      const { issueClient } = await import('../commands/issue.js');
      const result = await issueClient({ ...inputs, key, plainKey: flags.plainKey ?? false });
      printIssued(io, 'client', result);
    });
}

/**
 * The key is the slowest part of issuing one certificate: it is generated on libuv's thread pool
 * while this thread reads the passwords, loads the CA code and opens the CA.
 */
function startKey(type: KeyType): Promise<KeyPair> {
  const key = generateKey(type);
  key.catch(() => undefined); // awaited once the rest is ready; a refused input comes first
  return key;
}

async function issueInputs(flags: IssueFlags, io: CliIo) {
  const secret = (envName: string, file: string | undefined, option: string, label: string) => ({
    label,
    envName,
    file,
    fileOption: option,
  });
  const keystore = await requiredSecret(
    secret(
      PASSWORD_ENV.keystore,
      flags.keystorePasswordFile,
      '--keystore-password-file',
      'keystore password',
    ),
    io,
  );
  const key = await optionalSecret(
    secret(PASSWORD_ENV.key, flags.keyPasswordFile, '--key-password-file', 'private-key password'),
    io,
  );
  const truststore = await optionalSecret(
    secret(
      PASSWORD_ENV.truststore,
      flags.truststorePasswordFile,
      '--truststore-password-file',
      'truststore password',
    ),
    io,
  );
  const { storePasswords } = await import('../keystore/index.js');
  const passwords = storePasswords(flags.format, { keystore, key, truststore }); // refuses before the CA is asked
  return {
    caDir: flags.caDir,
    caPassword: await requiredSecret(caPasswordSpec(flags.caPasswordFile), io),
    name: flags.name,
    keyType: flags.key,
    days: flags.days,
    format: flags.format,
    pkcs12Profile: flags.pkcs12Profile,
    passwords,
    out: flags.out ?? `out/${flags.name}`,
    now: io.clock.now(),
  };
}

function printIssued(io: CliIo, what: string, result: BundleResult) {
  const lines = [
    `✔ issued ${what} certificate ${result.serial}`,
    `  subject   ${result.subject}`,
    ...(result.sans.length > 0 ? [`  sans      ${result.sans.join(', ')}`] : []),
    `  expires   ${result.notAfter.toISOString()}`,
    `  key       ${result.keyType}`,
    '  files',
    ...result.files.map((file) => `    ${file}`),
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
}

function renderFleetIssue(result: FleetIssueResult): string {
  const rows = [...result.nodes, ...result.clients].map((bundle) => [
    bundle.name,
    bundle.serial,
    bundle.notAfter.toISOString().slice(0, 10),
    bundle.files[0]?.replace(/\/[^/]*$/, '') ?? '-',
  ]);
  const count = `${result.nodes.length} node${result.nodes.length === 1 ? '' : 's'}`;
  const clients =
    result.clients.length > 0
      ? ` and ${result.clients.length} client bundle${result.clients.length === 1 ? '' : 's'}`
      : '';
  return `✔ issued ${count}${clients}\n\n${table(['name', 'serial', 'expires', 'folder'], rows).join('\n')}\n`;
}
