// The batched stage with listr2 itself (silent renderer) and work that records when it runs: batches
// one after another, a batch's items at once, and the failure budget deciding the next batch.
import { describe, expect, it } from 'vitest';
import { failuresStop, parseMaxFail } from '../../../src/rollout/batches.js';
import { runBatchedStage } from '../../../src/tasks/stage.js';

const batches = [['canary'], ['a', 'b', 'c'], ['d', 'e']];

async function trace(failing: string[], maxFail?: string) {
  const events: string[] = [];
  const outcomes = await runBatchedStage(
    'Roll out',
    batches,
    (item) => item,
    async (item) => {
      events.push(`start ${item}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      events.push(`end ${item}`);
      if (failing.includes(item)) throw new Error(`${item} broke`);
      return item;
    },
    {
      renderer: 'silent',
      goOn: (batch, failedInRun) =>
        !failuresStop(maxFail ? parseMaxFail(maxFail) : undefined, batch, failedInRun),
    },
  );
  const status = Object.fromEntries(outcomes.map((o) => [o.item, o.status]));
  return { events, status };
}

describe('runBatchedStage', () => {
  it('runs batch after batch, the items of a batch at once', async () => {
    const { events, status } = await trace([]);
    expect(Object.values(status)).toEqual(Array(6).fill('ok'));
    // The canary ends before the second batch starts; all of the second start before any ends.
    expect(events.slice(0, 2)).toEqual(['start canary', 'end canary']);
    expect(events.slice(2, 5).sort()).toEqual(['start a', 'start b', 'start c']);
    expect(events.indexOf('start d')).toBeGreaterThan(events.lastIndexOf('end c'));
  });

  it('a failing canary: no other batch starts', async () => {
    const { events, status } = await trace(['canary']);
    expect(events).toEqual(['start canary', 'end canary']);
    expect(status).toEqual({
      canary: 'failed',
      a: 'skipped',
      b: 'skipped',
      c: 'skipped',
      d: 'skipped',
      e: 'skipped',
    });
  });

  it('a failure in the second batch: the rest of that batch completes, the third does not start', async () => {
    const { events, status } = await trace(['b']);
    expect(status).toEqual({ canary: 'ok', a: 'ok', b: 'failed', c: 'ok', d: 'skipped', e: 'skipped' });
    expect(events).not.toContain('start d');
  });

  it('--max-fail lets the run go on past isolated failures', async () => {
    expect((await trace(['b'], '1')).status).toMatchObject({ d: 'ok', e: 'ok' });
    expect((await trace(['a', 'b'], '1')).status).toMatchObject({ d: 'skipped', e: 'skipped' });
    expect((await trace(['b'], '34%')).status).toMatchObject({ d: 'ok' }); // 1 of 3 is 33%
    expect((await trace(['b'], '33%')).status).toMatchObject({ d: 'skipped' });
  });

  it('one batch: every item at once', async () => {
    const events: string[] = [];
    await runBatchedStage(
      'Roll out',
      [['a', 'b', 'c']],
      (item) => item,
      async (item) => {
        events.push(`start ${item}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`end ${item}`);
      },
      { renderer: 'silent', goOn: () => true },
    );
    expect(events.slice(0, 3).sort()).toEqual(['start a', 'start b', 'start c']);
  });
});
