// `deploy-tls ca rollover`: replace the intermediate CA across the fleet in three verified phases.
//   1. trust:   every truststore trusts the old and the new intermediate;
//   2. reissue: the new intermediate becomes the issuing one; node certificates are re-issued from it;
//   3. drop:    truststores hold the new intermediate only.
// The phase reached is kept in <ca>/rollover.json: an interrupted run resumes where it stopped.
import { readFile } from 'node:fs/promises';
import { DeployTlsError } from '../errors.js';
import { caLayout } from '../pki/index.js';
import { acquireCaLock } from '../pki/lock.js';
import {
  activateNextIntermediate,
  finishRollover,
  importRolloverCertificate,
  type RolloverPhase,
  readRolloverState,
  rolloverCertificates,
  rolloverPaths,
  startRollover,
  writeRolloverState,
} from '../pki/rollover.js';
import type { RolloutReport } from '../rollout/report.js';
import { type RolloutDeps, type RolloutOptions, rollout } from '../rollout/rollout.js';

export interface RolloverOptions extends Omit<RolloutOptions, 'mode' | 'rotate' | 'trust'> {
  /** The offline root's certificate for the CSR a previous run wrote. */
  certificate?: string;
  /** Stop after this phase (e.g. to check the overlap). */
  until?: 'trusted' | 'reissued';
}

export interface RolloverReport {
  phase: RolloverPhase | 'done';
  /** Set when an offline root must sign: where the CSR is. */
  csr?: string;
  /** Set when --limit ran a phase on some nodes only: that phase, which stays the one to finish. */
  limited?: string;
  steps: { phase: string; report: RolloutReport }[];
}

export async function rollover(
  options: RolloverOptions,
  deps: RolloutDeps,
  log: (line: string) => void,
): Promise<RolloverReport> {
  const layout = caLayout(options.inventory.ca.dir);
  const password = await deps.resolveSecret(options.inventory.ca.password, 'CA password');
  let state = await readRolloverState(layout);
  const steps: RolloverReport['steps'] = [];
  const withLock = async <T>(work: () => Promise<T>): Promise<T> => {
    const lock = await acquireCaLock(layout.lock, 'deploy-tls ca rollover', deps.clock.now());
    try {
      return await work();
    } finally {
      await lock.release();
    }
  };

  if (!state) {
    state = await withLock(() => startRollover(layout, password, deps.clock.now()));
    log(
      state.phase === 'created'
        ? '✔ new intermediate signed by the root'
        : `✔ wrote ${rolloverPaths(layout).nextCsr}`,
    );
  } else if (state.phase === 'awaiting-certificate' && options.certificate) {
    const pem = await readFile(options.certificate, 'utf8');
    const current = state;
    state = await withLock(() => importRolloverCertificate(layout, pem, password));
    log(`✔ imported the new intermediate (replacing ${current.oldSerial})`);
  }
  if (state.phase === 'awaiting-certificate') {
    return { phase: state.phase, csr: rolloverPaths(layout).nextCsr, steps };
  }

  const phase = async (name: string, trust: Uint8Array[], force: boolean): Promise<void> => {
    log(`\n▶ phase ${name}`);
    const report = await rollout({ ...options, mode: 'apply', rotate: { force }, trust }, deps);
    steps.push({ phase: name, report });
    if (!report.ok) {
      const bad = report.nodes
        .filter((n) => n.status === 'failed' || n.status === 'rolled-back')
        .map((n) => n.node);
      throw new DeployTlsError(`rollover phase ${name} failed on ${bad.join(', ')}`, {
        hint: 'fix the node and run deploy-tls ca rollover again: it resumes at this phase',
      });
    }
  };

  // A phase is done once every node took it: with --limit only the selected nodes did, so the
  // state stays where it is and a run without --limit finishes the phase (the others plan nothing).
  const limited = (options.limit?.length ?? 0) > 0;
  if (state.phase === 'created') {
    const { next, old } = await rolloverCertificates(layout, state);
    const name = '1/3: trust the old and the new intermediate';
    await phase(name, [next, old], false);
    if (limited) return { phase: state.phase, limited: name, steps };
    state = { ...state, phase: 'trusted' };
    await writeRolloverState(layout, state);
    if (options.until === 'trusted') return { phase: state.phase, steps };
  }
  if (state.phase === 'trusted') {
    const current = state;
    await withLock(() => activateNextIntermediate(layout, current, deps.fault));
    const { next, old } = await rolloverCertificates(layout, state);
    // Certificates from the old intermediate now read as "issued by another CA": re-issued, and a
    // resumed run skips nodes already done.
    const name = '2/3: re-issue node certificates from the new intermediate';
    await phase(name, [next, old], false);
    if (limited) return { phase: state.phase, limited: name, steps };
    state = { ...state, phase: 'reissued' };
    await writeRolloverState(layout, state);
    if (options.until === 'reissued') return { phase: state.phase, steps };
  }
  const { next } = await rolloverCertificates(layout, state);
  const name = '3/3: drop the old intermediate from truststores';
  await phase(name, [next], false);
  if (limited) return { phase: state.phase, limited: name, steps };
  await finishRollover(layout);
  return { phase: 'done', steps };
}
