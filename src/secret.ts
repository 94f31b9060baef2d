// A secret travels as a Secret so that logging, string interpolation or JSON
// serialisation of it can never print its value by accident.
import { inspect } from 'node:util';

const REDACTED = '***';

export class Secret {
  readonly #value: string;
  /** Where the value came from, safe to show: "env DEPLOY_TLS_CA_PASSWORD", "file ./ca.pass". */
  readonly origin: string;

  constructor(value: string, origin: string) {
    this.#value = value;
    this.origin = origin;
  }

  /** The only way to the value: call it at the point of use, never store the result. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${this.origin})`;
  }
}

/** Where a password is read from: an environment variable or a file (never the value itself). */
export type SecretRef = { env: string } | { file: string };

/** Reads a password reference (a side effect: env, files, a prompt), for messages labelled "…". */
export type SecretResolver = (ref: SecretRef, label: string) => Promise<Secret>;

/**
 * Whether a password file gives its secret away: group or others may read it (or write it, and
 * so choose the password). Like OpenSSH's refusal of a private key file others can read, but a
 * warning, since the file may sit on a file system without POSIX modes. `mode` is stat's st_mode.
 */
export function passwordFileWarning(
  path: string,
  mode: number,
): { message: string; hint: string } | undefined {
  const exposed = mode & 0o066;
  if (exposed === 0) return undefined;
  const rights = (bits: number) =>
    `${bits & 0o4 ? 'read' : ''}${bits & 0o4 && bits & 0o2 ? ' and write' : bits & 0o2 ? 'write' : ''}`;
  const who = [
    exposed & 0o060 ? `its group may ${rights((exposed >> 3) & 0o7)}` : '',
    exposed & 0o006 ? `others may ${rights(exposed & 0o7)}` : '',
  ].filter(Boolean);
  return {
    message: `the password file ${path} is mode ${(mode & 0o777).toString(8).padStart(4, '0')}: ${who.join(', ')} it`,
    hint: `chmod 600 ${path} (only its owner should read a password)`,
  };
}
