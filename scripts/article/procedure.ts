// The HiveMQ intermediate-CA article's manual procedure, command for command, so that tests can
// make a CA "by hand" for deploy-tls to adopt, and the benchmark can time what the tool replaces.
//
// The one deviation from the article's commands: every password reaches openssl as `env:VAR` and
// keytool as `-storepass:env VAR` instead of `pass:changeme` / `-storepass changeme` in argv, which
// any user could read in `ps`. The article's `cat a b > c` and `> file` redirections are done here
// in Node (same bytes), and its inspection commands (`openssl x509 -text`, `openssl verify`,
// `keytool -list`) are left out: they print for a person to read and change nothing.
import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Secret } from '../../src/secret.js';

const exec = promisify(execFile);

/** The environment variable that carries the password to openssl and keytool. */
const PASSWORD_VAR = 'ARTICLE_PASSWORD';

const ROOT_DAYS = 3652; // openssl req -x509 -days 3652
const INTERMEDIATE_DAYS = 3650; // openssl ca -extensions v3_intermediate_ca -days 3650
const SERVER_DAYS = 365; // openssl ca -extensions server_cert -days 365
const CLIENT_DAYS = 375; // openssl ca -extensions client_cert -days 375
const CA_BITS = '4096';
const LEAF_BITS = '2048';
/** The subject the article gives its leaves, with the CN naming the node or client. */
const LEAF_DN = '/C=DE/ST=Bavaria/L=Landshut/O=HiveMQ/OU=Customer Services';

async function run(cwd: string, password: Secret, command: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await exec(command, args, {
      cwd,
      env: { ...process.env, [PASSWORD_VAR]: password.reveal() },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stderr}`, { cause: error });
  }
}

const openssl = (cwd: string, password: Secret, args: string[]) => run(cwd, password, 'openssl', args);
const keytool = (cwd: string, password: Secret, args: string[]) => run(cwd, password, 'keytool', args);
const passout = ['-passout', `env:${PASSWORD_VAR}`];
const passin = ['-passin', `env:${PASSWORD_VAR}`];

async function renderConfig(template: string, dir: string): Promise<string> {
  const text = await readFile(new URL(`./${template}`, import.meta.url), 'utf8');
  return text.replaceAll('{{dir}}', dir);
}

async function concat(out: string, parts: string[]): Promise<void> {
  const texts = await Promise.all(parts.map((part) => readFile(part, 'utf8')));
  await writeFile(out, texts.join(''));
}

/**
 * Root CA and Intermediate CA in `dir`, as the article's sections "Root CA Directory Structure"
 * to "Create the Intermediate Pair". Also makes the article's `../keystores` beside `dir`.
 */
export async function articleCreateCa(dir: string, password: Secret): Promise<void> {
  const ca = resolve(dir);
  const dirs = ['certs', 'crl', 'newcerts', 'private', 'intermediate'];
  const interDirs = ['certs', 'crl', 'csr', 'newcerts', 'private'].map((sub) => `intermediate/${sub}`);
  for (const sub of [...dirs, ...interDirs, '../keystores']) await mkdir(join(ca, sub), { recursive: true });
  await chmod(join(ca, 'private'), 0o700);
  await chmod(join(ca, 'intermediate/private'), 0o700);
  await writeFile(join(ca, 'index.txt'), '');
  await writeFile(join(ca, 'intermediate/index.txt'), '');
  // `openssl rand -hex 16 | tee serial.txt intermediate/serial.txt`: both start at the same serial.
  const serial = await openssl(ca, password, ['rand', '-hex', '16']);
  await writeFile(join(ca, 'serial.txt'), serial);
  await writeFile(join(ca, 'intermediate/serial.txt'), serial);
  await writeFile(join(ca, 'intermediate/crlnumber'), '1000\n');
  await writeFile(join(ca, 'ca-openssl.cnf'), await renderConfig('ca-openssl.cnf', ca));
  await writeFile(
    join(ca, 'intermediate/intermediate-openssl.cnf'),
    await renderConfig('intermediate-openssl.cnf', join(ca, 'intermediate')),
  );

  await openssl(ca, password, ['genrsa', '-aes256', ...passout, '-out', 'private/ca.key.pem', CA_BITS]);
  await chmod(join(ca, 'private/ca.key.pem'), 0o400);
  await openssl(ca, password, [
    ...['req', '-config', 'ca-openssl.cnf', '-extensions', 'v3_ca', '-key', 'private/ca.key.pem'],
    ...passin,
    ...['-new', '-x509', '-days', String(ROOT_DAYS), '-sha256', '-out', 'certs/ca.cert.pem'],
  ]);
  await chmod(join(ca, 'certs/ca.cert.pem'), 0o444);

  const interKey = 'intermediate/private/intermediate.key.pem';
  const interCsr = 'intermediate/csr/intermediate.csr.pem';
  const interCert = 'intermediate/certs/intermediate.cert.pem';
  await openssl(ca, password, ['genrsa', '-aes256', ...passout, '-out', interKey, CA_BITS]);
  await chmod(join(ca, interKey), 0o400);
  await openssl(ca, password, [
    ...['req', '-config', 'intermediate/intermediate-openssl.cnf', '-key', interKey],
    ...passin,
    ...['-new', '-sha256', '-out', interCsr],
  ]);
  await openssl(ca, password, [
    ...['ca', '-config', 'ca-openssl.cnf', '-extensions', 'v3_intermediate_ca', '-batch'],
    ...passin,
    ...['-days', String(INTERMEDIATE_DAYS), '-notext', '-md', 'sha256', '-in', interCsr, '-out', interCert],
  ]);
  await chmod(join(ca, interCert), 0o444);
  const chain = join(ca, 'intermediate/certs/ca-chain.cert.pem');
  await concat(chain, [join(ca, interCert), join(ca, 'certs/ca.cert.pem')]);
  await chmod(chain, 0o444);
}

interface Leaf {
  extensions: 'server_cert' | 'client_cert';
  days: number;
  sans?: readonly string[];
}

/** genrsa, req, `openssl ca`, then the chain and PKCS#12 the article builds its JKS from. */
async function issueLeaf(ca: string, name: string, leaf: Leaf, password: Secret, keystores: string) {
  const key = `intermediate/private/${name}.key.pem`;
  const csr = `intermediate/csr/${name}.csr.pem`;
  const cert = `intermediate/certs/${name}.cert.pem`;
  await openssl(ca, password, ['genrsa', '-aes256', ...passout, '-out', key, LEAF_BITS]);
  await chmod(join(ca, key), 0o400);
  const san = leaf.sans ? ['-addext', `subjectAltName = ${leaf.sans.join(',')}`] : [];
  await openssl(ca, password, [
    ...['req', '-config', 'intermediate/intermediate-openssl.cnf', '-key', key],
    ...passin,
    ...['-new', '-sha256', '-out', csr, '-subj', `${LEAF_DN}/CN=${name}`, ...san],
  ]);
  await openssl(ca, password, [
    ...['ca', '-config', 'intermediate/intermediate-openssl.cnf', '-extensions', leaf.extensions, '-batch'],
    ...passin,
    ...['-days', String(leaf.days), '-notext', '-md', 'sha256', '-in', csr, '-out', cert],
  ]);
  await chmod(join(ca, cert), 0o444);
  // The article made ../keystores with the CA; a CA made by `deploy-tls ca init` has none yet.
  await mkdir(keystores, { recursive: true });
  // Leaf > intermediate > root, the order the article insists on.
  const chain = join(keystores, `${name}.chain.pem`);
  await concat(chain, [
    join(ca, cert),
    join(ca, 'intermediate/certs/intermediate.cert.pem'),
    join(ca, 'certs/ca.cert.pem'),
  ]);
  const p12 = join(keystores, `${name}.p12`);
  const pkcs12 = [...['pkcs12', '-export', '-in', chain], ...passin, ...['-inkey', key], ...passout];
  await openssl(ca, password, [...pkcs12, '-out', p12]);
  return { chain, p12 };
}

/**
 * `keytool -importkeystore` of the PKCS#12 (its one entry is alias "1") into the article's .jks file.
 * Kept as the article has it, without -deststoretype: on Java 9+ keytool's default type is PKCS12,
 * so the file is PKCS#12 whatever its name (HiveMQ loads either).
 */
async function importP12(ca: string, password: Secret, p12: string, jks: string, alias: string) {
  await keytool(ca, password, [
    ...['-importkeystore', '-trustcacerts', '-srcstorepass:env', PASSWORD_VAR, '-srckeystore', p12],
    ...['-deststorepass:env', PASSWORD_VAR, '-destkeystore', jks, '-srcstoretype', 'pkcs12'],
    ...['-alias', '1', '-destalias', alias],
  ]);
}

/**
 * The article's "Server Certificate (sign server)" for one node: its key, CSR with the SANs,
 * `openssl ca -extensions server_cert`, and `<keystores>/<name>-keystore.jks`.
 * `sans` are openssl's form: "DNS:broker1.example.com", "IP:10.0.0.11".
 */
export async function articleIssueServer(
  dir: string,
  name: string,
  sans: readonly string[],
  password: Secret,
  keystoresDir: string,
): Promise<string> {
  const ca = resolve(dir);
  const keystores = resolve(keystoresDir);
  const leaf: Leaf = { extensions: 'server_cert', days: SERVER_DAYS, sans };
  const { chain, p12 } = await issueLeaf(ca, name, leaf, password, keystores);
  const jks = join(keystores, `${name}-keystore.jks`);
  await importP12(ca, password, p12, jks, 'HiveMQ Broker Certificate');
  await rm(p12, { force: true });
  await rm(chain, { force: true });
  return jks;
}

/**
 * The article's "Client Certificates (sign client)": key, `openssl ca -extensions client_cert`,
 * and `<keystores>/<name>-truststore.jks` holding the client's key entry plus the intermediate.
 */
export async function articleIssueClient(
  dir: string,
  name: string,
  password: Secret,
  keystoresDir: string,
): Promise<string> {
  const ca = resolve(dir);
  const keystores = resolve(keystoresDir);
  const leaf: Leaf = { extensions: 'client_cert', days: CLIENT_DAYS };
  const { chain, p12 } = await issueLeaf(ca, name, leaf, password, keystores);
  const jks = join(keystores, `${name}-truststore.jks`);
  await importP12(ca, password, p12, jks, 'MQTT Client Certificate');
  await keytool(ca, password, [
    ...['-import', '-trustcacerts', '-alias', 'Intermediate CA Certificate'],
    ...['-file', 'intermediate/certs/intermediate.cert.pem', '-noprompt', '-keystore', jks],
    ...['-storepass:env', PASSWORD_VAR],
  ]);
  await rm(p12, { force: true });
  await rm(chain, { force: true });
  return jks;
}
