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
