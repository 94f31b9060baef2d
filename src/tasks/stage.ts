// listr2 wiring: one stage runs one piece of work per node, as subtasks with bounded
// concurrency. A failed node never aborts the others mid-step; with stopOnError the nodes
// after it are left untouched.
import { Listr, type ListrRendererValue } from 'listr2';

export type RendererName = 'default' | 'simple' | 'silent';

export interface StageItem<T> {
  title: string;
  run(update: (text: string) => void): Promise<T>;
}

export type StageOutcome<T> =
  | { title: string; status: 'ok'; value: T }
  | { title: string; status: 'failed'; error: unknown }
  | { title: string; status: 'skipped' };

export async function runStage<T>(
  title: string,
  items: readonly StageItem<T>[],
  options: { concurrency: number; stopOnError: boolean; renderer: RendererName },
): Promise<StageOutcome<T>[]> {
  const outcomes: StageOutcome<T>[] = items.map((item) => ({ title: item.title, status: 'skipped' }));
  let stopped = false;
  const tasks = new Listr(
    [
      {
        title,
        task: (_ctx, parent) =>
          parent.newListr(
            items.map((item, index) => ({
              title: item.title,
              skip: () => (stopped ? 'not started: an earlier node failed' : false),
              task: async (_c, task) => {
                try {
                  const value = await item.run((text) => {
                    task.output = text;
                  });
                  outcomes[index] = { title: item.title, status: 'ok', value };
                } catch (error) {
                  outcomes[index] = { title: item.title, status: 'failed', error };
                  if (options.stopOnError) stopped = true;
                  throw error;
                }
              },
            })),
            { concurrent: options.concurrency, exitOnError: false },
          ),
      },
    ],
    { renderer: options.renderer as ListrRendererValue, exitOnError: false, collectErrors: false },
  );
  await tasks.run();
  return outcomes;
}

/** Bounded parallel map without rendering, for work that needs no progress display. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}
