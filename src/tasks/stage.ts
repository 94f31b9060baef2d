// listr2 wiring: one stage runs one piece of work per item (a node), as subtasks with bounded
// concurrency. A failed item never aborts the others mid-step; with stopOnError the items after
// it are left untouched. Each outcome carries its item, so no caller joins results by index.
import { Listr, type ListrRendererValue } from 'listr2';

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

export async function runStage<I, T>(
  title: string,
  items: readonly I[],
  titleOf: (item: I) => string,
  work: (item: I, update: (text: string) => void) => Promise<T>,
  options: StageOptions,
): Promise<StageOutcome<I, T>[]> {
  const outcomes: StageOutcome<I, T>[] = items.map((item) => ({ item, status: 'skipped' }));
  let stopped = false;
  const tasks = new Listr(
    [
      {
        title,
        task: (_ctx, parent) =>
          parent.newListr(
            items.map((item, index) => ({
              title: titleOf(item),
              skip: () => (stopped ? 'not started: an earlier node failed' : false),
              task: async (_c, task) => {
                try {
                  const value = await work(item, (text) => {
                    task.output = text;
                  });
                  outcomes[index] = { item, status: 'ok', value };
                } catch (error) {
                  outcomes[index] = { item, status: 'failed', error };
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
