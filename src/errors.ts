// Errors a person can act on: what failed, on which node, and what to do next.
// This module imports nothing else from the project so every layer can use it.

export const ExitCode = {
  ok: 0,
  failure: 1, // a node or a verification failed
  usage: 2, // bad argv, inventory or CA input
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface ErrorDetails {
  hint?: string;
  node?: string;
  cause?: unknown;
  exitCode?: ExitCode;
}

export class DeployTlsError extends Error {
  readonly hint: string | undefined;
  readonly node: string | undefined;
  readonly exitCode: ExitCode;

  constructor(message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.hint = details.hint;
    this.node = details.node;
    this.exitCode = details.exitCode ?? ExitCode.failure;
  }
}

/** Bad command line: exit 2. */
export class UsageError extends DeployTlsError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { exitCode: ExitCode.usage, ...details });
  }
}

/** The CA directory, its keys or its passwords are wrong or missing: exit 2. */
export class CaError extends DeployTlsError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { exitCode: ExitCode.usage, ...details });
  }
}

/** Input such as a SAN, a subject or an inventory entry is invalid: exit 2. */
export class InputError extends DeployTlsError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { exitCode: ExitCode.usage, ...details });
  }
}

/** Something on a node failed (SSH, a write, a restart): exit 1. */
export class RemoteError extends DeployTlsError {}

/**
 * A node's host key changed or is revoked: someone may be in the middle, so a fleet command
 * changes nothing anywhere (an unreachable node, by contrast, only fails itself).
 */
export class HostKeyError extends RemoteError {}

/** A keystore could not be read: wrong password, corrupt or unsupported bytes. */
export class KeystoreError extends DeployTlsError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { exitCode: ExitCode.usage, ...details });
  }
}

export class InterruptedError extends DeployTlsError {
  constructor(message = 'interrupted', details: ErrorDetails = {}) {
    super(message, { exitCode: ExitCode.interrupted, ...details });
  }
}

export interface InventoryProblem {
  /** "prod.yaml:12:7" */
  location: string;
  /** "nodes[2].sans[1]" */
  path: string;
  message: string;
}

/** Every problem of an inventory at once, each with file:line:col and path: exit 2. */
export class InventoryError extends DeployTlsError {
  readonly problems: readonly InventoryProblem[];

  constructor(file: string, problems: readonly InventoryProblem[], details: ErrorDetails = {}) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${file}: ${count}`, { exitCode: ExitCode.usage, hint: 'fix them and run again', ...details });
    this.problems = problems;
  }
}
