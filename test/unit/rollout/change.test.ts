// The node protocol (back up → install → restart or reload → gate; on failure restore, restart,
// prove the old state) on an in-memory Remote, a fake gate and a clock that jumps: every branch in
// milliseconds. The same protocol on real sshd and HiveMQ is test/e2e/rollout.test.ts.
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/clock.js';
import { applyChange, type ChangeSite, type NodeChange } from '../../../src/rollout/change.js';
import { type Gate, GateError, type GateResult } from '../../../src/smoke/gate.js';
import { FakeRemote } from '../../helpers/fake-remote.js';

const BACKUP = '/etc/ssl/hivemq/backup/20261127T000000Z.Ab12Cd';
const RESTART = '/opt/hivemq/bin/hivemq-service restart';
const PENDING = '/etc/ssl/hivemq/.deploy-tls-pending.json';

/** A clock whose sleep only moves time on. */
function jumpingClock(): Clock {
  let now = Date.parse('2026-11-27T00:00:00Z');
  return {
    now: () => new Date(now),
    sleep: async (ms) => {
      now += ms;
    },
  };
}

const served: GateResult = {
  served: {} as GateResult['served'],
  handshakeMs: 5,
  roundTripMs: 7,
  waitedMs: 0,
};

interface GateScript {
  /** Serials a waitForSerial call sees served (per port); anything else times out. */
  serving?: (port: number | undefined) => string | undefined;
  checkFails?: string;
}

function fakeGate(script: GateScript) {
  const calls: string[] = [];
  const gate: Gate = {
    waitForSerial: async (serial, _timeoutMs, port) => {
      calls.push(`waitForSerial ${serial}${port === undefined ? '' : ` :${port}`}`);
      if (script.serving?.(port) === serial) return { waitedMs: 1 };
      throw new GateError(`did not serve serial ${serial}`);
    },
    check: async (serial) => {
      calls.push(`check ${serial}`);
      if (script.checkFails) throw new GateError(script.checkFails);
      return served;
    },
    waitForClosed: async () => {
      calls.push('waitForClosed');
    },
  };
  return { gate, calls };
}

/** The broker log's reload count: `counts` one after another, the last one repeated. */
function remoteWith(
  options: { reloadCounts?: number[]; restoreFails?: boolean; failWrites?: string; log?: string } = {},
) {
  const counts = [...(options.reloadCounts ?? [0])];
  return new FakeRemote({
    failWrites: options.failWrites,
    answer: (command) => {
      if (command.includes('mktemp -d')) return { stdout: `${BACKUP}\n` };
      if (command.includes("grep -E 'ERROR|WARN'")) return { stdout: options.log ?? '' };
      if (command.includes('grep -c'))
        return { stdout: `${counts.length > 1 ? counts.shift() : counts[0]}\n` };
      if (options.restoreFails && command.includes('deploy-tls-restore'))
        return { code: 1, stderr: 'cp: No space left on device' };
      return undefined;
    },
  });
}

function site(remote: FakeRemote, gate: Gate): ChangeSite {
  return {
    remote,
    gate,
    restartCommand: RESTART,
    restartTimeoutMs: 180_000,
    brokerLog: '/opt/hivemq/log/hivemq.log',
    backupRoot: '/etc/ssl/hivemq/backup',
    backupPaths: ['/etc/ssl/hivemq/hivemq-keystore.jks', '/etc/ssl/hivemq/hivemq-truststore.jks'],
    backupsKept: 5,
    pendingPath: PENDING,
    healthTimeoutMs: 60_000,
    reloadTimeoutMs: 35_000,
    clock: jumpingClock(),
  };
}

const renewal: NodeChange = {
  files: [{ path: '/etc/ssl/hivemq/hivemq-keystore.jks', data: new Uint8Array([1, 2, 3]), mode: 0o640 }],
  serial: 'NEW',
  newCertificate: true,
  action: 'hot-reload',
  servedBefore: { serial: 'OLD', port: 8883 },
};

const noop = () => {};

describe('applyChange (the node protocol)', () => {
  it('a keystore reload that shows as the new serial needs no restart', async () => {
    const remote = remoteWith();
    const { gate, calls } = fakeGate({ serving: () => 'NEW' });
    const result = await applyChange(renewal, site(remote, gate), noop);
    expect(result).toMatchObject({ status: 'deployed', restarted: false });
    expect(remote.ran(RESTART)).toEqual([]);
    expect(remote.written.map((f) => f.path)).toEqual(['/etc/ssl/hivemq/hivemq-keystore.jks', PENDING]);
    expect(calls).toEqual(['waitForSerial NEW', 'check NEW']);
  });

  it('a reload that is not observed in time falls back to one restart', async () => {
    const remote = remoteWith();
    const { gate } = fakeGate({ serving: () => 'OLD' }); // the re-hash never shows the new serial
    const result = await applyChange(renewal, site(remote, gate), noop);
    expect(result).toMatchObject({ status: 'deployed', restarted: true });
    expect(remote.ran(RESTART)).toHaveLength(1);
  });

  it('a truststore-only change watches the broker log for the reload', async () => {
    const trustOnly: NodeChange = { ...renewal, newCertificate: false, serial: 'OLD' };
    const seen = remoteWith({ reloadCounts: [3, 3, 4] });
    const { gate } = fakeGate({ serving: () => 'OLD' });
    expect(await applyChange(trustOnly, site(seen, gate), noop)).toMatchObject({ restarted: false });
    expect(seen.ran('grep -c').length).toBeGreaterThanOrEqual(3);

    const unseen = remoteWith({ reloadCounts: [3] });
    expect(await applyChange(trustOnly, site(unseen, gate), noop)).toMatchObject({ restarted: true });
    expect(unseen.ran(RESTART)).toHaveLength(1);
  });

  it('a config change restarts at once', async () => {
    const remote = remoteWith();
    const { gate, calls } = fakeGate({ serving: () => 'NEW' });
    const result = await applyChange({ ...renewal, action: 'restart' }, site(remote, gate), noop);
    expect(result).toMatchObject({ status: 'deployed', restarted: true });
    expect(remote.ran(RESTART)).toHaveLength(1);
    expect(remote.ran('grep -c')).toEqual([]);
    expect(calls).toEqual(['check NEW']);
  });

  it('a failed gate restores the backup, restarts, and proves the old serial on the old port', async () => {
    const remote = remoteWith();
    const { gate, calls } = fakeGate({
      serving: (port) => (port === 8883 ? 'OLD' : 'NEW'),
      checkFails: 'mutual-TLS MQTT round trip failed',
    });
    const result = await applyChange({ ...renewal, action: 'restart' }, site(remote, gate), noop);
    expect(result).toMatchObject({
      status: 'rolled-back',
      reason: 'mutual-TLS MQTT round trip failed',
      backup: BACKUP,
    });
    const restore = remote.ran('deploy-tls-restore');
    expect(restore).toHaveLength(1);
    expect(restore[0]).toContain(BACKUP);
    expect(remote.ran(RESTART)).toHaveLength(2); // the change's restart, then the rollback's
    expect(calls.at(-1)).toBe('waitForSerial OLD :8883');
  });

  it("a broker that did not take the files: its log's last errors are in the reason, cleaned", async () => {
    const remote = remoteWith({
      log: '2026-11-27 ERROR - Cannot read keystore /etc/ssl/hivemq/hivemq-keystore.jks\u001b[31m\n2026-11-27 WARN - Listener not started\n',
    });
    const { gate } = fakeGate({
      serving: (port) => (port === 8883 ? 'OLD' : undefined),
      checkFails: 'did not serve serial NEW',
    });
    const result = await applyChange({ ...renewal, action: 'restart' }, site(remote, gate), noop);
    expect(result).toMatchObject({ status: 'rolled-back' });
    expect(result.status === 'rolled-back' && result.reason).toBe(
      'did not serve serial NEW\n/opt/hivemq/log/hivemq.log, last errors and warnings:\n' +
        '  2026-11-27 ERROR - Cannot read keystore /etc/ssl/hivemq/hivemq-keystore.jks[31m\n' +
        '  2026-11-27 WARN - Listener not started',
    );
    // The log is read before the restore.
    const read = remote.commands.findIndex((c) => c.includes("grep -E 'ERROR|WARN'"));
    expect(read).toBeLessThan(remote.commands.findIndex((c) => c.includes('deploy-tls-restore')));
    expect(remote.commands[read]).toContain('tail -n 400 -- /opt/hivemq/log/hivemq.log 2>/dev/null');
  });

  it('a failed write reads no broker log: the broker never saw the files', async () => {
    const remote = remoteWith({ failWrites: 'short write', log: 'ERROR old news\n' });
    const { gate } = fakeGate({ serving: () => 'OLD' });
    const result = await applyChange(renewal, site(remote, gate), noop);
    expect(result).toMatchObject({ status: 'rolled-back', reason: 'short write' });
    expect(remote.ran("grep -E 'ERROR|WARN'")).toEqual([]);
  });

  it('a node that had no TLS listener is proven back without one', async () => {
    const remote = remoteWith();
    const { gate, calls } = fakeGate({ checkFails: 'did not serve' });
    const first: NodeChange = { ...renewal, action: 'restart', servedBefore: undefined };
    expect(await applyChange(first, site(remote, gate), noop)).toMatchObject({ status: 'rolled-back' });
    expect(calls.at(-1)).toBe('waitForClosed');
  });

  it('a failed write is rolled back before anything restarts', async () => {
    const remote = remoteWith({ failWrites: 'short write' });
    const { gate } = fakeGate({ serving: () => 'OLD' });
    const result = await applyChange(renewal, site(remote, gate), noop);
    expect(result).toMatchObject({ status: 'rolled-back', reason: 'short write' });
    expect(remote.ran('deploy-tls-restore')).toHaveLength(1);
  });

  it('a rollback that fails too says so and names the backup folder to restore by hand', async () => {
    const remote = remoteWith({ restoreFails: true });
    const { gate } = fakeGate({ checkFails: 'did not serve serial NEW' });
    const failure = applyChange({ ...renewal, action: 'restart' }, site(remote, gate), noop);
    await expect(failure).rejects.toThrow(/failed \(did not serve serial NEW\) and the rollback failed too/);
    await expect(failure).rejects.toMatchObject({ node: 'broker1', hint: expect.stringContaining(BACKUP) });
  });

  it('installs a pending-change marker with the files and removes it once the gate passed', async () => {
    const remote = remoteWith();
    const { gate } = fakeGate({ serving: () => 'NEW' });
    await applyChange(renewal, site(remote, gate), noop);
    const marker = remote.written.find((file) => file.path === PENDING);
    expect(JSON.parse(String(marker?.data))).toMatchObject({
      serial: 'NEW',
      backup: BACKUP,
      servedBefore: { serial: 'OLD', port: 8883 },
    });
    expect(remote.commands.at(-1)).toBe(`rm -f -- ${PENDING}`);
  });

  it('a failed install of stores only is restored without restarting the broker', async () => {
    const remote = remoteWith({ failWrites: 'No space left on device' });
    const { gate } = fakeGate({ serving: () => 'OLD' });
    expect(await applyChange(renewal, site(remote, gate), noop)).toMatchObject({ status: 'rolled-back' });
    expect(remote.ran(RESTART)).toEqual([]);
  });

  it('finishing an interrupted change installs nothing and rolls back to the files from before it', async () => {
    const remote = remoteWith();
    const { gate, calls } = fakeGate({
      serving: (port) => (port === 8443 ? 'FIRST' : undefined),
      checkFails: 'no',
    });
    const earlier = '/etc/ssl/hivemq/backup/20261126T100000Z.Zz99Yy';
    const finish: NodeChange = {
      files: [],
      serial: 'NEW',
      newCertificate: false,
      action: 'restart',
      servedBefore: { serial: 'NEW', port: 8883 }, // what the node has now: not what worked
      pending: {
        started: '2026-11-26T10:00:00.000Z',
        serial: 'NEW',
        action: 'restart',
        backup: earlier,
        servedBefore: { serial: 'FIRST', port: 8443 },
      },
    };
    const result = await applyChange(finish, site(remote, gate), noop);
    expect(result).toMatchObject({ status: 'rolled-back', backup: earlier });
    expect(remote.written).toEqual([]);
    expect(remote.ran('deploy-tls-restore')[0]).toContain(earlier);
    expect(calls.at(-1)).toBe('waitForSerial FIRST :8443');
  });
});
