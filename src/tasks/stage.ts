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
  // Without a terminal (CI, cron, a pipe) lines are a log: no spinner glyphs, and each line names
  // its node, since several nodes report at once.
  const log = options.renderer === 'simple';
  let stopped = false;
  const tasks = new Listr(
    [
      {
        title,
        task: async (_ctx, parent) => {
          const nodes = parent.newListr(
            items.map((item, index) => ({
              title: titleOf(item),
              skip: () => {
                if (!stopped) return false;
                return `${log ? `${titleOf(item)}: ` : ''}not started: an earlier node failed`;
              },
              task: async (_c, task) => {
                const name = titleOf(item);
                try {
                  const value = await work(item, (text) => {
                    task.output = log ? `${name}: ${text}` : text;
                  });
                  outcomes[index] = { item, status: 'ok', value };
                } catch (error) {
                  outcomes[index] = { item, status: 'failed', error };
                  if (options.stopOnError) stopped = true;
                  if (!log) throw error;
                  throw new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
                }
              },
            })),
            { concurrent: options.concurrency, exitOnError: false },
          );
          await nodes.run();
          // The stage line says how it went: never a tick when a node failed or was not started.
          const failed = outcomes.filter((o) => o.status === 'failed').length;
          const skipped = outcomes.filter((o) => o.status === 'skipped').length;
          if (failed > 0)
            throw new Error(
              `${failed} of ${items.length} failed${skipped > 0 ? `, ${skipped} not started` : ''}`,
            );
        },
      },
    ],
    {
      renderer: (log ? 'verbose' : options.renderer) as ListrRendererValue,
      exitOnError: false,
      collectErrors: false,
    },
  );
  await tasks.run();
  return outcomes;
}
