// An in-memory Remote for fast tests of logic: it records every command and every file it is
// asked to write, answers the few scripts the rollout runs, and fails on demand. Never a stand-in
// for the e2e proof on real sshd.
import type { ExecResult, Remote, RemoteWrite } from '../../src/remote/remote.js';

export interface FakeRemoteOptions {
  node?: string;
  /** Answers a command; undefined falls through to the defaults below. */
  answer?: (command: string) => Partial<ExecResult> | undefined;
  /** Makes putAtomicAll fail with this message. */
  failWrites?: string;
}

export class FakeRemote implements Remote {
  readonly node: string;
  readonly commands: string[] = [];
  readonly written: RemoteWrite[] = [];
  #roundTrips = 0;

  constructor(private readonly options: FakeRemoteOptions = {}) {
    this.node = options.node ?? 'broker1';
  }

  get roundTrips(): number {
    return this.#roundTrips;
  }

  async exec(command: string): Promise<ExecResult> {
    this.#roundTrips++;
    this.commands.push(command);
    const answer = this.options.answer?.(command);
    return { stdout: '', stderr: '', code: 0, ...answer };
  }

  async run(command: string): Promise<string> {
    const result = await this.exec(command);
    if (result.code !== 0)
      throw new Error(`\`${command.split('\n')[0]}\` failed (exit ${result.code}): ${result.stderr}`);
    return result.stdout;
  }

  async putAtomicAll(files: readonly RemoteWrite[]): Promise<void> {
    this.#roundTrips++;
    this.commands.push(`<write ${files.map((f) => f.path).join(' ')}>`);
    if (this.options.failWrites) throw new Error(this.options.failWrites);
    this.written.push(...files);
  }

  async close(): Promise<void> {}

  /** The commands that contain `text`. */
  ran(text: string): string[] {
    return this.commands.filter((command) => command.includes(text));
  }
}
