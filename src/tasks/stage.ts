// listr2 wiring: one stage runs one piece of work per item (a node), as subtasks with bounded
// concurrency, or in batches (one batch after another, a batch's items at once). A failed item never
// aborts the others mid-step; with stopOnError (or a batch that says stop) the items after it are
// left untouched. Each outcome carries its item, so no caller joins results by index.
import { Listr, type ListrRendererValue, type ListrTask } from 'listr2';

export type RendererName = 'default' | 'simple' | 'silent';

export type StageOutcome<I, T> =
  | { item: I; status: 'ok'; value: T }
  | { item: I; status: 'failed'; error: unknown }
  | { item: I; status: 'skipped' };

export interface StageOptions {
  concurrency: number;
  stopOnError: boolean;
  renderer: RendererName;
}

type Work<I, T> = (item: I, update: (text: string) => void) => Promise<T>;

export async function runStage<I, T>(
  title: string,
  items: readonly I[],
  titleOf: (item: I) => string,
  work: Work<I, T>,
  options: StageOptions,
): Promise<StageOutcome<I, T>[]> {
  const outcomes: StageOutcome<I, T>[] = items.map((item) => ({ item, status: 'skipped' }));
  let stopped = false;
  const nodes = nodeTasks(items, 0, outcomes, titleOf, work, options.renderer, {
    failed: () => {
      if (options.stopOnError) stopped = true;
    },
    stopped: () => stopped,
  });
  await runListr(title, options.renderer, nodes, options.concurrency, outcomes);
  return outcomes;
}

export interface BatchedStageOptions {
  renderer: RendererName;
  /** After each batch: whether the next one starts, given the batch's size and failures and the run's. */
  goOn(batch: { size: number; failed: number }, failedInRun: number): boolean;
}

/**
 * One stage whose items run in batches (the rollout's `--batch`): one batch after another, a batch's
 * items at once. After a batch, `goOn` says whether the next starts; the ones after a stop show as
 * not started.
 */
export async function runBatchedStage<I, T>(
  title: string,
  batches: readonly (readonly I[])[],
  titleOf: (item: I) => string,
  work: Work<I, T>,
  options: BatchedStageOptions,
): Promise<StageOutcome<I, T>[]> {
  const items = batches.flat();
  const outcomes: StageOutcome<I, T>[] = items.map((item) => ({ item, status: 'skipped' }));
  const never = { failed: () => undefined, stopped: () => false };
  const [only] = batches;
  if (batches.length === 1 && only) {
    const nodes = nodeTasks(only, 0, outcomes, titleOf, work, options.renderer, never);
    await runListr(title, options.renderer, nodes, true, outcomes);
    return outcomes;
  }
  let stopped = false;
  let failedInRun = 0;
  let offset = 0;
  const groups = batches.map((batch, index): ListrTask => {
    const first = offset;
    offset += batch.length;
    const name = `batch ${index + 1} of ${batches.length}`;
    return {
      title: `${name} (${batch.length} at once)`,
      skip: () => (stopped ? `${name}: not started: an earlier batch failed` : false),
      task: async (_ctx, task) => {
        const nodes = nodeTasks(batch, first, outcomes, titleOf, work, options.renderer, never);
        await task.newListr(nodes, { concurrent: true, exitOnError: false }).run();
        const failed = outcomes
          .slice(first, first + batch.length)
          .filter((o) => o.status === 'failed').length;
        failedInRun += failed;
        if (!options.goOn({ size: batch.length, failed }, failedInRun)) stopped = true;
        if (failed > 0) throw new Error(`${name}: ${failed} of ${batch.length} failed`);
      },
    };
  });
  await runListr(title, options.renderer, groups, false, outcomes);
  return outcomes;
}

/** One listr task per item; a failure is recorded in `outcomes` and shows as the task failing. */
function nodeTasks<I, T>(
  items: readonly I[],
  offset: number,
  outcomes: StageOutcome<I, T>[],
  titleOf: (item: I) => string,
  work: Work<I, T>,
  renderer: RendererName,
  on: { failed: () => void; stopped: () => boolean },
): ListrTask[] {
  const log = renderer === 'simple';
  return items.map(
    (item, i): ListrTask => ({
      title: titleOf(item),
      skip: () => {
        if (!on.stopped()) return false;
        return `${log ? `${titleOf(item)}: ` : ''}not started: an earlier node failed`;
      },
      task: async (_ctx, task) => {
        const name = titleOf(item);
        try {
          const value = await work(item, (text) => {
            task.output = log ? `${name}: ${text}` : text;
          });
          outcomes[offset + i] = { item, status: 'ok', value };
        } catch (error) {
          outcomes[offset + i] = { item, status: 'failed', error };
          on.failed();
          if (!log) throw error;
          throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
    }),
  );
}

// Without a terminal (CI, cron, a pipe) lines are a log (listr's verbose renderer): no spinner
// glyphs, and each line names its node, since several nodes report at once.
async function runListr(
  title: string,
  renderer: RendererName,
  subtasks: ListrTask[],
  concurrent: boolean | number,
  outcomes: readonly StageOutcome<unknown, unknown>[],
): Promise<void> {
  const tasks = new Listr(
    [
      {
        title,
        task: async (_ctx, parent) => {
          await parent.newListr(subtasks, { concurrent, exitOnError: false }).run();
          // The stage line says how it went: never a tick when an item failed or was not started.
          const failed = outcomes.filter((o) => o.status === 'failed').length;
          const skipped = outcomes.filter((o) => o.status === 'skipped').length;
          if (failed > 0)
            throw new Error(
              `${failed} of ${outcomes.length} failed${skipped > 0 ? `, ${skipped} not started` : ''}`,
            );
        },
      },
    ],
    {
      renderer: (renderer === 'simple' ? 'verbose' : renderer) as ListrRendererValue,
      exitOnError: false,
      collectErrors: false,
    },
  );
  await tasks.run();
}
