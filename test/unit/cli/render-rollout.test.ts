// The error a fleet command exits with names every node that did not take its change, its cause
// and what to do, on stderr: a plan or a --json run prints no table to point at.
import { describe, expect, it } from 'vitest';
import { rolloutFailure } from '../../../src/cli/render-rollout.js';
import { DeployTlsError } from '../../../src/errors.js';
import type { NodeReport, RolloutReport } from '../../../src/rollout/report.js';

const report = (nodes: NodeReport[]): RolloutReport => ({
  plan: { nodes: [], problems: [] } as unknown as RolloutReport['plan'],
  nodes,
  clients: [],
  ok: nodes.every((n) => n.status === 'deployed'),
});
const unreachable = new DeployTlsError('cannot connect to root@10.0.0.12:22', {
  node: 'broker2',
  hint: 'check that sshd runs there',
});

describe('rolloutFailure', () => {
  it('is undefined when every node took its change', () => {
    expect(rolloutFailure(report([{ node: 'broker1', status: 'deployed', action: 'restart' }]))).toBe(
      undefined,
    );
  });

  it("names each failed node's cause and hint; the others kept what they took", () => {
    const failure = rolloutFailure(
      report([
        { node: 'broker1', status: 'deployed', action: 'restart' },
        { node: 'broker2', status: 'failed', action: 'none', error: unreachable },
      ]),
    );
    expect(failure?.message).toBe(
      'rollout stopped: broker2 failed\n  broker2: cannot connect to root@10.0.0.12:22\n    → check that sshd runs there',
    );
    expect(failure?.hint).toMatch(/the other nodes keep what they took/);
  });

  it('says the nodes after a rolled-back one were not touched, when some were not', () => {
    const rolledBack = new DeployTlsError('did not serve serial 0A', { node: 'broker1' });
    const failure = rolloutFailure(
      report([
        { node: 'broker1', status: 'rolled-back', action: 'restart', error: rolledBack },
        { node: 'broker2', status: 'untouched', action: 'restart' },
      ]),
    );
    expect(failure?.message).toBe('rollout stopped: broker1 rolled-back\n  broker1: did not serve serial 0A');
    expect(failure?.hint).toMatch(/the nodes after it were not touched/);
  });
});
