// What status, verify and rotate leave behind besides their output: the node_exporter textfile
// (--prometheus) and the HTML fleet page (--html). Both are written whole and atomically (temp file,
// rename), mode 0644: node_exporter and web servers read them as other users, and neither holds a secret.
import { Option } from 'commander';
import { DeployTlsError, ExitCode } from '../errors.js';
import type { MetricsInput } from '../metrics/fleet.js';
import { checkTextfilePath, updateTextfile } from '../metrics/textfile.js';
import { writeFileAtomic } from '../pki/files.js';
import type { CertificateSummary } from '../pki/inspect.js';
import { type FleetReportInput, renderFleetReport } from '../report/fleet-html.js';
import type { CliIo } from './options.js';

const PAGE_MODE = 0o644;

export function prometheusOption(): Option {
  return new Option(
    '--prometheus <file>',
    "also write what this run saw to a node_exporter textfile (*.prom in the collector's folder)",
  );
}

export function htmlOption(): Option {
  return new Option('--html <file>', 'also write the fleet as one self-contained HTML page');
}

/** A textfile path that cannot work is refused before the command connects anywhere. */
export async function checkPrometheus(file: string | undefined): Promise<void> {
  if (file !== undefined) await checkTextfilePath(file);
}

/** A command's action whose runs are recorded in `--prometheus FILE` (see recordRun). */
export function recordedAction<F extends { prometheus?: string }>(
  command: string,
  io: CliIo,
  action: (flags: F, observe: (input: MetricsInput) => void) => Promise<void>,
): (flags: F) => Promise<void> {
  return async (flags) => {
    await checkPrometheus(flags.prometheus);
    await recordRun(flags.prometheus, command, io, (observe) => action(flags, observe));
  };
}

/**
 * Runs a command's work and records its last run in the textfile, whether it succeeded or failed;
 * what `observe` was given on the way (listeners, certificates) goes in too. When the run failed,
 * its own error is the one reported, and a textfile that could not be written is only logged.
 */
export async function recordRun<T>(
  file: string | undefined,
  command: string,
  io: CliIo,
  work: (observe: (input: MetricsInput) => void) => Promise<T>,
): Promise<T> {
  if (file === undefined) return work(() => {});
  let observed: MetricsInput = {};
  const outcome = await settle(() => work((input) => (observed = input)));
  const run = { command, finishedAt: io.clock.now(), success: outcome.ok };
  try {
    await updateTextfile(file, { ...observed, runs: [run] });
  } catch (error) {
    if (outcome.ok) throw error;
    io.stderr.write(`! ${file} not written: ${(error as Error).message}\n`);
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export async function settle<T>(work: () => Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error };
  }
}

export async function writePage(file: string, input: FleetReportInput): Promise<void> {
  await writeFileAtomic(file, renderFleetReport(input), PAGE_MODE).catch((cause) => {
    throw new DeployTlsError(`cannot write the HTML report ${file}: ${(cause as Error).message}`, {
      hint: 'check that its folder exists and is writable',
      exitCode: ExitCode.usage,
      cause,
    });
  });
}

/** The CA's two certificates as the fleet page shows them. */
export function pageCa(ca: { root: CertificateSummary; intermediate: CertificateSummary }) {
  const certificate = (cert: CertificateSummary) => ({
    subject: cert.subject,
    serial: cert.serial,
    notAfter: new Date(cert.notAfter),
  });
  return { root: certificate(ca.root), intermediate: certificate(ca.intermediate) };
}

/** "deploy-tls fleet report: prod.yaml" */
export function pageTitle(inventory: string): string {
  return `deploy-tls fleet report: ${inventory.split('/').at(-1) ?? inventory}`;
}
