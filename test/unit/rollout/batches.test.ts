// Batches against the examples in Ansible's documentation of `serial` and max_fail_percentage
// (playbooks_strategies "Setting the batch size with serial"; playbooks_error_handling "Setting a
// maximum failure percentage"), and the failure budget between batches.
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import {
  batchSizes,
  CANARY_THEN_ALL,
  cutBatches,
  failuresStop,
  formatBatchSpec,
  parseBatchSpec,
  parseMaxFail,
} from '../../../src/rollout/batches.js';

const sizes = (total: number, spec: string) => batchSizes(total, parseBatchSpec(spec));

describe('batchSizes (Ansible serial)', () => {
  it('serial: 3 over 6 hosts: two passes of 3', () => {
    expect(sizes(6, '3')).toEqual([3, 3]);
  });

  it('serial: "30%" over 20 hosts: 6, 6, 6 and the remainder 2', () => {
    expect(sizes(20, '30%')).toEqual([6, 6, 6, 2]);
  });

  it('serial: [1, 5, 10]: 1, then 5, then 10 at a time, the last pass holding what is left', () => {
    expect(sizes(30, '1,5,10')).toEqual([1, 5, 10, 10, 4]);
    expect(sizes(4, '1,5,10')).toEqual([1, 3]);
  });

  it('serial: ["10%", "20%", "100%"]: percentages of all hosts, not of the ones left', () => {
    expect(sizes(20, '10%,20%,100%')).toEqual([2, 4, 14]);
  });

  it('mixed: [1, 5, "20%"]', () => {
    expect(sizes(50, '1,5,20%')).toEqual([1, 5, 10, 10, 10, 10, 4]);
  });

  it('no matter how small the percentage, a pass holds at least one host', () => {
    expect(sizes(3, '10%')).toEqual([1, 1, 1]);
  });

  it('rounds a percentage down, in whole numbers (29% of 100 is 29, not a float just below)', () => {
    expect(sizes(10, '25%')).toEqual([2, 2, 2, 2, 2]);
    expect(sizes(100, '29%')).toEqual([29, 29, 29, 13]);
  });

  it('1,100%: one canary, then all the others at once', () => {
    expect(sizes(6, CANARY_THEN_ALL)).toEqual([1, 5]);
    expect(sizes(1, CANARY_THEN_ALL)).toEqual([1]);
    expect(sizes(0, CANARY_THEN_ALL)).toEqual([]);
  });

  it('cuts items in order', () => {
    expect(cutBatches(['a', 'b', 'c', 'd'], parseBatchSpec('1,2'))).toEqual([['a'], ['b', 'c'], ['d']]);
  });
});

describe('parseBatchSpec', () => {
  it('reads numbers, percentages and lists, and prints them back', () => {
    expect(parseBatchSpec('1, 25%,100%')).toEqual([{ nodes: 1 }, { percent: 25 }, { percent: 100 }]);
    expect(formatBatchSpec(parseBatchSpec('1,25%,100%'))).toBe('1,25%,100%');
  });

  it.each(['0', '0%', '101%', '-1', '1.5', '12.5%', 'all', '', '1,,2', '%'])(
    'refuses %j (exit 2)',
    (spec) => {
      expect(() => parseBatchSpec(spec)).toThrowError(
        expect.objectContaining({ exitCode: ExitCode.usage, message: expect.stringContaining('--batch') }),
      );
    },
  );
});

describe('max-fail', () => {
  it('reads a number of nodes or a percentage', () => {
    expect(parseMaxFail('2')).toEqual({ nodes: 2 });
    expect(parseMaxFail('0')).toEqual({ nodes: 0 });
    expect(parseMaxFail('30%')).toEqual({ percent: 30 });
    for (const bad of ['-1', '101%', 'x', '2.5']) expect(() => parseMaxFail(bad)).toThrow(/--max-fail/);
  });

  it('without a budget, any failure stops the next batch', () => {
    expect(failuresStop(undefined, { size: 5, failed: 0 }, 0)).toBe(false);
    expect(failuresStop(undefined, { size: 5, failed: 1 }, 1)).toBe(true);
  });

  it('a number counts failed nodes over the whole run, and must be exceeded', () => {
    expect(failuresStop({ nodes: 2 }, { size: 5, failed: 1 }, 2)).toBe(false);
    expect(failuresStop({ nodes: 2 }, { size: 5, failed: 1 }, 3)).toBe(true);
  });

  it('max_fail_percentage: 30 with serial: 10: more than 3 failed in a batch aborts', () => {
    expect(failuresStop({ percent: 30 }, { size: 10, failed: 3 }, 3)).toBe(false);
    expect(failuresStop({ percent: 30 }, { size: 10, failed: 4 }, 4)).toBe(true);
  });

  it('exceeded, not equaled: serial 4, abort at 2 failed needs 49, not 50', () => {
    expect(failuresStop({ percent: 50 }, { size: 4, failed: 2 }, 2)).toBe(false);
    expect(failuresStop({ percent: 49 }, { size: 4, failed: 2 }, 2)).toBe(true);
  });

  it('a percentage is of each batch: failures of earlier batches do not add up', () => {
    expect(failuresStop({ percent: 30 }, { size: 10, failed: 1 }, 9)).toBe(false);
  });
});
