// `deploy-tls issue node | client`: a certificate and its keystores, written locally.
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { BundleResult } from '../bundles/issue.js';
import { issueClient, issueNode } from '../commands/issue.js';
import { type KeystoreFormat, type Pkcs12Profile, storePasswords } from '../keystore/index.js';
import { isKeyType, KEY_TYPES, type KeyType, MAX_LEAF_DAYS } from '../pki/index.js';
import { type CliIo, caDirOption, caPasswordFileOption, collect, positiveInt } from './options.js';
import { caPasswordSpec, optionalSecret, PASSWORD_ENV, requiredSecret } from './secrets.js';

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

export function addIssueCommands(program: Command, io: CliIo): void {
  const issue = program.command('issue').description('issue certificates and write keystores locally');
  issueOptions(
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
  issueOptions(
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
