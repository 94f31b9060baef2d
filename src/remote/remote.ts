// What the rest of deploy-tls may do on a node. Nothing here knows what a certificate or
// config.xml is: that lives in hivemq/ and tasks/, which get a Remote passed in.

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface PutOptions {
  mode: number;
  owner?: string;
  group?: string;
}

export interface Remote {
  /** The inventory name of the node, for messages. */
  readonly node: string;
  /** Runs a shell command (through sudo when the inventory says become). Never put a secret in it. */
  exec(command: string, options?: { stdin?: Uint8Array | string }): Promise<ExecResult>;
  /** Like exec, but a non-zero exit throws a RemoteError naming the command and its stderr. */
  run(command: string, options?: { stdin?: Uint8Array | string }): Promise<string>;
  /** Writes through a temp file in the same folder, fsync, owner/mode, rename: all or nothing. */
  putAtomic(path: string, data: Uint8Array | string, options: PutOptions): Promise<void>;
  /** The file's bytes, or undefined when it does not exist. */
  get(path: string): Promise<Uint8Array | undefined>;
  close(): Promise<void>;
  /** Commands executed so far: round trips, for the benchmark. */
  readonly roundTrips: number;
}

/** Quotes one word for POSIX sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
