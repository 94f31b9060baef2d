// Batches as Ansible's `serial` cuts a play's hosts, and the failure budget that stops the next one.
//
// Ansible, "Setting the batch size with serial"
// (https://docs.ansible.com/ansible/latest/playbook_guide/playbooks_strategies.html#setting-the-batch-size-with-serial):
//   - serial is a number, a percentage or a list of them;
//   - "Ansible applies the percentage to the total number of hosts in a play", rounded down
//     (ansible.utils.helpers.pct_to_int), and "no matter how small the percentage, the number of
//     hosts per pass will always be 1 or greater";
//   - with a list, once it is used up "every following batch would contain either [the last size]
//     or all the remaining hosts";
//   - "if the number of hosts does not divide equally into the number of passes, the final pass
//     contains the remainder".
// Ansible, "Setting a maximum failure percentage"
// (https://docs.ansible.com/ansible/latest/playbook_guide/playbooks_error_handling.html#setting-a-maximum-failure-percentage):
//   - max_fail_percentage "applies to each batch", and "the percentage set must be exceeded, not
//     equaled".
import { UsageError } from '../errors.js';

/** One entry of a batch list: a number of nodes, or a share of all nodes in the run. */
export type BatchSize = { nodes: number } | { percent: number };

/** `--batch 1,25%,100%`: one canary, then a quarter of the nodes at a time, then the rest. */
export type BatchSpec = readonly BatchSize[];

/**
 * `--max-fail`: how many failed nodes the run goes on past. A number counts failed nodes in the
 * whole run; a percentage is Ansible's max_fail_percentage, of each batch.
 */
export type MaxFail = { nodes: number } | { percent: number };

/** One canary node, then every other node at once: for hot reloads, where nothing drops. */
export const CANARY_THEN_ALL = '1,100%';
/** One node at a time: for restarts, where each node drops its connections. */
export const ONE_AT_A_TIME = '1';

const WHOLE = /^\d+$/;
const PERCENT = /^(\d+)%$/;

export function parseBatchSpec(text: string, option = '--batch'): BatchSpec {
  const parts = text.split(',').map((part) => part.trim());
  return parts.map((part): BatchSize => {
    const percent = PERCENT.exec(part)?.[1];
    if (percent !== undefined) {
      const value = Number(percent);
      if (value >= 1 && value <= 100) return { percent: value };
    } else if (WHOLE.test(part) && Number(part) >= 1) {
      return { nodes: Number(part) };
    }
    throw new UsageError(
      `${option} ${text}: "${part}" is not a number of nodes (1 or more) or a percentage`,
      {
        hint: `write e.g. ${option} 1, ${option} 25% or ${option} 1,25%,100%`,
      },
    );
  });
}

export function parseMaxFail(text: string, option = '--max-fail'): MaxFail {
  const percent = PERCENT.exec(text.trim())?.[1];
  if (percent !== undefined && Number(percent) <= 100) return { percent: Number(percent) };
  if (WHOLE.test(text.trim())) return { nodes: Number(text.trim()) };
  throw new UsageError(`${option} ${text}: not a number of nodes or a percentage (0%..100%)`, {
    hint: `write e.g. ${option} 2 (go on past 2 failed nodes) or ${option} 10% (of each batch)`,
  });
}

export function formatBatchSpec(spec: BatchSpec): string {
  return spec.map((size) => ('percent' in size ? `${size.percent}%` : String(size.nodes))).join(',');
}

/** The sizes of the batches `total` nodes are cut into; they add up to `total`. */
export function batchSizes(total: number, spec: BatchSpec): number[] {
  const sizes: number[] = [];
  let left = total;
  for (let i = 0; left > 0; i++) {
    const size = spec[Math.min(i, spec.length - 1)] ?? { percent: 100 };
    // Integer arithmetic: Ansible's float (30 / 100.0) * n can land just below a whole number.
    const wanted = 'percent' in size ? Math.max(1, Math.floor((size.percent * total) / 100)) : size.nodes;
    const taken = Math.min(wanted, left);
    sizes.push(taken);
    left -= taken;
  }
  return sizes;
}

/** `items` cut into batches, in order. */
export function cutBatches<T>(items: readonly T[], spec: BatchSpec): T[][] {
  const batches: T[][] = [];
  let start = 0;
  for (const size of batchSizes(items.length, spec)) {
    batches.push(items.slice(start, start + size));
    start += size;
  }
  return batches;
}

/**
 * Whether the failures stop the batches after this one. No budget: any failure does. A number:
 * more failed nodes in the whole run than it allows. A percentage: more than that share of this
 * batch failed (exceeded, not equaled).
 */
export function failuresStop(
  maxFail: MaxFail | undefined,
  batch: { size: number; failed: number },
  failedInRun: number,
): boolean {
  if (!maxFail) return failedInRun > 0;
  if ('nodes' in maxFail) return failedInRun > maxFail.nodes;
  return batch.failed * 100 > maxFail.percent * batch.size;
}
