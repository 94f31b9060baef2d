// Keys generated ahead of the certificates that need them, a few at a time, first asked first made.
// crypto.generateKeyPair runs on libuv's thread pool, first in, first out, and so do the file
// writes and the WebCrypto signing of issuing (https://docs.libuv.org/en/v1.x/threadpool.html).
// With every key of a batch queued at once, the first certificate could be signed and written only
// after the last key was made; with one key per core in flight and a pool thread left free, the
// first nodes get their certificates (and start waiting on HiveMQ) while the later keys are made.
import { availableParallelism } from 'node:os';
import { generateKey, type KeyPair } from '../pki/keys.js';
import type { KeyType } from '../pki/profiles.js';

/** One key per core, leaving at least one of the pool's threads (4 unless UV_THREADPOOL_SIZE says) free. */
export function keysAtOnce(env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  const pool = Number(env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.min(cores, pool - 1));
}

export class KeyQueue<Id> {
  readonly #keys = new Map<Id, Promise<KeyPair>>();
  readonly #waiting: { start: () => void; drop: (reason: Error) => void }[] = [];
  #running = 0;

  constructor(
    private readonly generate: (type: KeyType) => Promise<KeyPair> = generateKey,
    private readonly atOnce: number = keysAtOnce(),
  ) {}

  /** The key for `id`, generated once; asking again returns the same one. */
  key(id: Id, type: KeyType): Promise<KeyPair> {
    let key = this.#keys.get(id);
    if (!key) {
      key = this.#make(type);
      key.catch(() => undefined); // awaited by whoever issues with it; a key never used is dropped
      this.#keys.set(id, key);
    }
    return key;
  }

  async #make(type: KeyType): Promise<KeyPair> {
    if (this.#running < this.atOnce) this.#running++;
    else await new Promise<void>((start, drop) => this.#waiting.push({ start, drop })); // a finished key hands its slot over
    try {
      return await this.generate(type);
    } finally {
      const next = this.#waiting.shift();
      if (next) next.start();
      else this.#running--;
    }
  }

  /** Keys not started yet are not made: the run ended without them (the ones running finish). */
  drop(): void {
    for (const waiting of this.#waiting.splice(0)) waiting.drop(new Error('not needed any more'));
  }
}
