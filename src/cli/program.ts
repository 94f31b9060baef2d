// argv → one command call. Options are parsed and checked here; the work happens in commands/.

import { dirname } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { caInit, caShow } from '../commands/ca.js';
import { issueClient, issueNode } from '../commands/issue.js';
import { UsageError } from '../errors.js';
import { loadInventory } from '../inventory/load.js';
import { DEFAULT_CA_SUBJECT, isKeyType, KEY_TYPES, type KeyType, parseSubject } from '../pki/index.js';
import { addFleetCommands } from './fleet-commands.js';
import { type CliIo, positiveInt } from './options.js';
import { renderCaSummary } from './render.js';
import { addRolloverCommand } from './rollover-command.js';
import { addRotateCommand } from './rotate-command.js';
import { inventorySecretResolver, optionalSecret, requiredSecret, type SecretSpec } from './secrets.js';

const ENV = {
  caPassword: 'DEPLOY_TLS_CA_PASSWORD',
  keystorePassword: 'HIVEMQ_KEYSTORE_PASSWORD',
  keyPassword: 'HIVEMQ_KEY_PASSWORD',
  truststorePassword: 'HIVEMQ_TRUSTSTORE_PASSWORD',
} as const;

function caPasswordSpec(file: string | undefined): SecretSpec {
  return { label: 'CA password', envName: ENV.caPassword, file, fileOption: '--ca-password-file' };
}

function keyType(value: string): KeyType {
  if (!isKeyType(value)) throw new InvalidArgumentError(`choose one of ${KEY_TYPES.join(', ')}`);
  return value;
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',')];

function caDirOption() {
  return new Option('--ca-dir <dir>', 'the CA directory (OpenSSL `ca` layout)').default('pki');
}

function caPasswordFileOption() {
  return new Option(
    '--ca-password-file <file>',
    `read the CA password from a file (default: env ${ENV.caPassword})`,
  );
}

function addIssueOptions(command: Command): Command {
  return command
    .addOption(caDirOption())
    .requiredOption('--name <name>', 'certificate name: file names and keystore alias')
    .addOption(
      new Option('--key <type>', 'key type').choices(KEY_TYPES).default('rsa-2048').argParser(keyType),
    )
    .option('--days <n>', 'validity in days (node 365, client 375)', positiveInt)
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
      `keystore password file (default: env ${ENV.keystorePassword})`,
    )
    .option(
      '--key-password-file <file>',
      `private-key password file (default: env ${ENV.keyPassword}, else the keystore password)`,
    )
    .option(
      '--truststore-password-file <file>',
      `truststore password file (default: env ${ENV.truststorePassword}, else the keystore password)`,
    );
}

interface IssueFlags {
  caDir: string;
  name: string;
  key: KeyType;
  days?: number;
  format: 'jks' | 'pkcs12';
  pkcs12Profile: 'modern' | 'legacy';
  out?: string;
  caPasswordFile?: string;
  keystorePasswordFile?: string;
  keyPasswordFile?: string;
  truststorePasswordFile?: string;
}

async function issueInputs(flags: IssueFlags, io: CliIo) {
  const keystore = await requiredSecret(
    {
      label: 'keystore password',
      envName: ENV.keystorePassword,
      file: flags.keystorePasswordFile,
      fileOption: '--keystore-password-file',
    },
    io,
  );
  const key = await optionalSecret(
    {
      label: 'private-key password',
      envName: ENV.keyPassword,
      file: flags.keyPasswordFile,
      fileOption: '--key-password-file',
    },
    io,
  );
  const truststore = await optionalSecret(
    {
      label: 'truststore password',
      envName: ENV.truststorePassword,
      file: flags.truststorePasswordFile,
      fileOption: '--truststore-password-file',
    },
    io,
  );
  if (flags.format === 'pkcs12' && key && key.reveal() !== keystore.reveal()) {
    throw new UsageError(
      'a PKCS#12 keystore has one password: the private-key password must equal the keystore password',
      {
        hint: `unset ${ENV.keyPassword} (or --key-password-file), or use --format jks`,
      },
    );
  }
  return {
    caDir: flags.caDir,
    caPassword: await requiredSecret(caPasswordSpec(flags.caPasswordFile), io),
    name: flags.name,
    keyType: flags.key,
    days: flags.days,
    format: flags.format,
    pkcs12Profile: flags.pkcs12Profile,
    passwords: { keystore, key, truststore },
    out: flags.out ?? `out/${flags.name}`,
    now: io.now(),
  };
}

function printIssued(io: CliIo, what: string, result: Awaited<ReturnType<typeof issueNode>>) {
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

export function buildProgram(io: CliIo): Command {
  const program = new Command('deploy-tls')
    .description(
      'Roll mutual TLS out to HiveMQ brokers over SSH, keep certificates fresh, prove clients connect.',
    )
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .enablePositionalOptions(); // root options (the rollout's) stay apart from a subcommand's

  const ca = program.command('ca').description('create and inspect the private CA');
  ca.command('init')
    .description('create a Root CA and an Intermediate CA in the OpenSSL `ca` layout')
    .addOption(caDirOption())
    .option('--subject <dn>', 'CA subject, e.g. "/C=DE/ST=Bavaria/L=Landshut/O=Example/OU=Operations"')
    .addOption(caPasswordFileOption())
    .option('-i, --inventory <file>', "take the CA's folder, password and subject from an inventory")
    .action(
      async (flags: { caDir: string; subject?: string; caPasswordFile?: string; inventory?: string }) => {
        const summary = flags.inventory
          ? await caInitFromInventory(flags.inventory, io)
          : await caInitFromFlags(flags, io);
        io.stdout.write(`✔ created CA in ${summary.dir}\n\n${renderCaSummary(summary)}`);
      },
    );
  ca.command('show')
    .description('show the hierarchy: subjects, serials, validity, key types, fingerprints, days left')
    .addOption(caDirOption())
    .option('--json', 'print JSON')
    .action(async (flags: { caDir: string; json?: boolean }) => {
      const summary = await caShow({ dir: flags.caDir, now: io.now() });
      io.stdout.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : renderCaSummary(summary));
    });

  addRolloverCommand(ca, io);

  const issue = program.command('issue').description('issue certificates and write keystores locally');
  addIssueOptions(
    issue.command('node').description('a broker node certificate (serverAuth + clientAuth) and keystores'),
  )
    .option(
      '--san <san...>',
      'DNS:<name> or IP:<address>; repeat or separate by commas (first DNS name = CN)',
      collect,
    )
    .action(async (flags: IssueFlags & { san?: string[] }) => {
      const result = await issueNode({ ...(await issueInputs(flags, io)), sans: flags.san ?? [] });
      printIssued(io, 'node', result);
    });
  addIssueOptions(
    issue.command('client').description('a client certificate (clientAuth) with keystores and PEM files'),
  )
    .option('--plain-key', 'write the PEM private key unencrypted (mode 0600), for tools that cannot prompt')
    .action(async (flags: IssueFlags & { plainKey?: boolean }) => {
      const result = await issueClient({
        ...(await issueInputs(flags, io)),
        plainKey: flags.plainKey ?? false,
      });
      printIssued(io, 'client', result);
    });

  addFleetCommands(program, io);
  addRotateCommand(program, io);
  return program;
}

async function caInitFromFlags(
  flags: { caDir: string; subject?: string; caPasswordFile?: string },
  io: CliIo,
) {
  const subject = flags.subject ? parseSubject(flags.subject, '--subject') : DEFAULT_CA_SUBJECT;
  const password = await requiredSecret(caPasswordSpec(flags.caPasswordFile), io, true);
  return caInit({ dir: flags.caDir, subject, password, now: io.now() });
}

async function caInitFromInventory(file: string, io: CliIo) {
  const inventory = await loadInventory(file, io.env);
  const password = await inventorySecretResolver(io, dirname(inventory.file))(
    inventory.ca.password,
    'CA password',
  );
  const subject = Object.keys(inventory.ca.subject).length > 0 ? inventory.ca.subject : DEFAULT_CA_SUBJECT;
  return caInit({ dir: inventory.ca.dir, subject, password, now: io.now() });
}
