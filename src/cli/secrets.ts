// Where passwords come from: a file, an environment variable, or a prompt on a terminal.
// Never argv: a command line shows in `ps` and in shell history.
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { UsageError } from '../errors.js';
import { passwordFileWarning, Secret, type SecretResolver } from '../secret.js';

/** Where the local commands (ca init, issue) look for passwords when no file is given. */
export const PASSWORD_ENV = {
  ca: 'DEPLOY_TLS_CA_PASSWORD',
  keystore: 'HIVEMQ_KEYSTORE_PASSWORD',
  key: 'HIVEMQ_KEY_PASSWORD',
  truststore: 'HIVEMQ_TRUSTSTORE_PASSWORD',
} as const;

export function caPasswordSpec(file: string | undefined): SecretSpec {
  return { label: 'CA password', envName: PASSWORD_ENV.ca, file, fileOption: '--ca-password-file' };
}

export interface SecretSpec {
  /** What the password is for, in messages: "CA password". */
  label: string;
  envName: string;
  file?: string;
  /** The option that names a file, for hints: "--ca-password-file". */
  fileOption: string;
}

export interface SecretIo {
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
}

/** Reads a password file; one readable by group or others gets a warning on stderr (it still works). */
export async function readSecretFile(
  path: string,
  label: string,
  io: SecretIo,
  warned = new Set<string>(),
): Promise<Secret> {
  const mode = await stat(path).then(
    (s) => s.mode,
    () => undefined,
  );
  const warning = mode === undefined ? undefined : passwordFileWarning(path, mode);
  if (warning && !warned.has(path)) {
    warned.add(path);
    io.stderr.write(`! ${warning.message}\n  → ${warning.hint}\n`);
  }
  const text = await readFile(path, 'utf8').catch((cause) => {
    throw new UsageError(`cannot read the ${label} file ${path}`, {
      hint: 'check the path and its permissions',
      cause,
    });
  });
  const value = text.replace(/\r?\n$/, ''); // `echo pass > file` adds a newline that is no part of it
  if (value === '') throw new UsageError(`the ${label} file ${path} is empty`);
  return new Secret(value, `file ${path}`);
}

/** A password that may be absent (e.g. a key password that defaults to the store password). */
export async function optionalSecret(spec: SecretSpec, io: SecretIo): Promise<Secret | undefined> {
  if (spec.file) return readSecretFile(spec.file, spec.label, io);
  const value = io.env[spec.envName];
  if (value) return new Secret(value, `env ${spec.envName}`);
  return undefined;
}

/** A password that must exist: file, then env, then a prompt if stdin is a terminal. */
export async function requiredSecret(spec: SecretSpec, io: SecretIo, confirm = false): Promise<Secret> {
  const found = await optionalSecret(spec, io);
  if (found) return found;
  if (io.stdin.isTTY) {
    const value = await prompt(`${spec.label}: `, io);
    if (confirm && (await prompt(`${spec.label} (again): `, io)) !== value) {
      throw new UsageError(`the two ${spec.label}s differ`);
    }
    if (value === '') throw new UsageError(`the ${spec.label} is empty`);
    return new Secret(value, 'prompt');
  }
  throw new UsageError(`no ${spec.label} given`, {
    hint: `set ${spec.envName}, or pass ${spec.fileOption} FILE, or run on a terminal to be asked`,
  });
}

/** A secret typed on the terminal; without one, an error that says where else it can come from. */
export async function promptSecret(label: string, io: SecretIo): Promise<Secret> {
  if (!io.stdin.isTTY) {
    throw new UsageError(`no ${label} given`, {
      hint: 'name it in the inventory (ssh.passphrase: { file: … } or { env: … }), or run on a terminal to be asked',
    });
  }
  const value = await prompt(`${label}: `, io);
  if (value === '') throw new UsageError(`the ${label} is empty`);
  return new Secret(value, 'prompt');
}

/** Reads a line without echoing it. */
function prompt(question: string, io: SecretIo): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true });
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput;
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (text: string) => {
      if (text.startsWith(question)) write.call(rl, text); // echo the question, not the keystrokes
    };
    rl.question(question, (answer) => {
      rl.close();
      io.stderr.write('\n');
      resolve(answer);
    });
  });
}

/** Resolves an inventory's { env } / { file } password reference (the loader made file paths absolute). */
export function inventorySecretResolver(io: SecretIo): SecretResolver {
  const warned = new Set<string>(); // many nodes share one password file: one warning each
  return async (ref, label) => {
    if ('file' in ref) return readSecretFile(ref.file, label, io, warned);
    const value = io.env[ref.env];
    if (!value) {
      throw new UsageError(`${label}: the environment variable ${ref.env} is not set`, {
        hint: `export ${ref.env}, or point the inventory at a file: { file: ./secrets/… }`,
      });
    }
    return new Secret(value, `env ${ref.env}`);
  };
}
