// rotate's --on-success and --on-failure: split into argv when the command line is parsed (a bad
// one is exit 2 before anything runs), run after each rotation with a JSON summary on stdin and a
// bare environment (alerts/hooks.ts). How a hook ended is logged; it never changes the exit code.
import { resolve } from 'node:path';
import { Option } from 'commander';
import { formatCommandLine, parseCommandLine } from '../alerts/command-line.js';
import { type HookNode, hookOutcome, hookRunner, hookSummary } from '../alerts/hooks.js';
import type { RolloutReport } from '../rollout/report.js';
import type { Secret, SecretResolver } from '../secret.js';
import type { CliIo } from './options.js';
import type { Settled } from './outputs.js';

export type HookFlag = '--on-success' | '--on-failure';

export function hookOption(flag: HookFlag, io: CliIo): Option {
  const when = flag === '--on-success' ? 'succeeds' : 'fails';
  return new Option(
    `${flag} <command>`,
    `run this command (no shell; a JSON summary on stdin) each time a rotation ${when}`,
  ).argParser((text) => {
    const [program, ...args] = parseCommandLine(text, flag);
    // A program given by a relative path is found from here, also when a unit runs it elsewhere.
    return [program?.includes('/') ? resolve(io.cwd, program) : (program as string), ...args];
  });
}

/** What one rotation leaves for its hook: when it started, its report, the secrets it read. */
export interface RotationRecord {
  startedAt: Date;
  report?: RolloutReport;
  secrets: Secret[];
}

/** The resolver, remembering every secret it gives out so a hook's payload can be redacted of them. */
export function remembering(resolver: SecretResolver, secrets: Secret[]): SecretResolver {
  return async (ref, label) => {
    const secret = await resolver(ref, label);
    secrets.push(secret);
    return secret;
  };
}

export async function runRotationHook(
  hooks: { onSuccess?: string[]; onFailure?: string[] },
  record: RotationRecord,
  outcome: Settled<unknown>,
  io: CliIo,
  log: (line: string) => void,
): Promise<void> {
  const argv = outcome.ok ? hooks.onSuccess : hooks.onFailure;
  if (!argv) return;
  const report = record.report;
  const summary = hookSummary({
    command: 'rotate',
    event: outcome.ok ? 'success' : 'failure',
    ok: outcome.ok,
    startedAt: record.startedAt,
    finishedAt: io.clock.now(),
    nodes: report?.nodes.map(
      (n): HookNode => ({ node: n.node, result: n.status, serial: n.serial, error: n.error?.message }),
    ),
    clients: report?.clients.flatMap((c) =>
      c.status === 'issued' && c.notAfter && c.files
        ? [{ name: c.name, out: c.out, serial: c.serial, notAfter: c.notAfter, files: c.files }]
        : [],
    ),
    error: outcome.ok
      ? undefined
      : outcome.error instanceof Error
        ? outcome.error.message
        : String(outcome.error),
  });
  const result = await hookRunner(io.env)(argv, summary, { secrets: record.secrets, cwd: io.cwd });
  const { ok, outcome: ended } = hookOutcome(result);
  log(
    `${ok ? '' : '! '}${outcome.ok ? '--on-success' : '--on-failure'} ${formatCommandLine(argv)}: ${ended}`,
  );
}
