// Connections to jump hosts, shared by every node behind them: many nodes behind one bastion make
// one connection to it, opened by the first node that needs it and closed after the last one.

export interface Shared<T> {
  value: Promise<T>;
  users: number;
}

export class HopPool<T> {
  readonly #entries = new Map<string, Shared<T>>();

  constructor(private readonly closeValue: (value: T) => Promise<void>) {}

  /** The connection for `key`, opening it once; a failed open is forgotten so a retry opens anew. */
  acquire(key: string, open: () => Promise<T>): Promise<T> {
    let entry = this.#entries.get(key);
    if (!entry) {
      const value = open();
      const created: Shared<T> = { value, users: 0 };
      entry = created;
      this.#entries.set(key, created);
      value.catch(() => {
        if (this.#entries.get(key) === created) this.#entries.delete(key);
      });
    }
    entry.users++;
    return entry.value;
  }

  async release(key: string): Promise<void> {
    const entry = this.#entries.get(key);
    if (!entry) return;
    entry.users--;
    if (entry.users > 0) return;
    this.#entries.delete(key);
    const value = await entry.value.catch(() => undefined);
    if (value !== undefined) await this.closeValue(value);
  }

  /** Open connections, for tests and the benchmark. */
  get size(): number {
    return this.#entries.size;
  }
}
