// The key queue: a bounded number of keys in flight, made in the order asked, each once.
import { describe, expect, it } from 'vitest';
import type { KeyPair, KeyType } from '../../../src/pki/index.js';
import { KeyQueue, keysAtOnce } from '../../../src/rollout/keys.js';

/** A generator whose keys finish when the test says, recording how many run at once. */
function manualGenerator() {
  const started: string[] = [];
  const finish: (() => void)[] = [];
  let running = 0;
  let most = 0;
  const generate = (type: KeyType) =>
    new Promise<KeyPair>((resolve) => {
      started.push(type);
      running++;
      most = Math.max(most, running);
      finish.push(() => {
        running--;
        resolve({ type } as KeyPair);
      });
    });
  return { generate, started, finish, most: () => most };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyQueue', () => {
  it('keeps at most `atOnce` keys in flight and starts them in the order asked', async () => {
    const gen = manualGenerator();
    const queue = new KeyQueue<string>(gen.generate, 2);
    const keys = ['a', 'b', 'c', 'd'].map((id, i) => queue.key(id, i % 2 ? 'rsa-3072' : 'rsa-2048'));
    await tick();
    expect(gen.started).toEqual(['rsa-2048', 'rsa-3072']);
    gen.finish.shift()?.();
    await tick();
    expect(gen.started).toEqual(['rsa-2048', 'rsa-3072', 'rsa-2048']);
    while (gen.finish.length > 0) {
      gen.finish.shift()?.();
      await tick();
    }
    expect((await Promise.all(keys)).map((k) => k.type)).toEqual([
      'rsa-2048',
      'rsa-3072',
      'rsa-2048',
      'rsa-3072',
    ]);
    expect(gen.most()).toBe(2);
  });

  it('makes a key once per id', async () => {
    const gen = manualGenerator();
    const queue = new KeyQueue<string>(gen.generate, 4);
    const first = queue.key('broker1', 'ecdsa-p256');
    expect(queue.key('broker1', 'ecdsa-p256')).toBe(first);
    await tick();
    expect(gen.started).toHaveLength(1);
  });

  it('a failed key frees its slot', async () => {
    let calls = 0;
    const queue = new KeyQueue<string>(async () => {
      calls++;
      if (calls === 1) throw new Error('no entropy');
      return { type: 'rsa-2048' } as KeyPair;
    }, 1);
    await expect(queue.key('a', 'rsa-2048')).rejects.toThrow('no entropy');
    await expect(queue.key('b', 'rsa-2048')).resolves.toMatchObject({ type: 'rsa-2048' });
  });

  it('drop: keys not started are not made', async () => {
    const gen = manualGenerator();
    const queue = new KeyQueue<string>(gen.generate, 1);
    const running = queue.key('a', 'rsa-2048');
    const waiting = queue.key('b', 'rsa-2048');
    await tick();
    queue.drop();
    await expect(waiting).rejects.toThrow('not needed');
    gen.finish.shift()?.();
    await expect(running).resolves.toMatchObject({ type: 'rsa-2048' });
    expect(gen.started).toHaveLength(1);
  });

  it('one key per core, and a thread of the pool left free', () => {
    expect(keysAtOnce({}, 2)).toBe(2);
    expect(keysAtOnce({}, 16)).toBe(3); // the default pool of 4
    expect(keysAtOnce({ UV_THREADPOOL_SIZE: '17' }, 16)).toBe(16);
    expect(keysAtOnce({ UV_THREADPOOL_SIZE: '1' }, 8)).toBe(1);
  });
});
