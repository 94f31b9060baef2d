// Hooks: a command the operator chose, run after a rotation (--on-success, --on-failure) or after a
// client bundle was renewed (clients[].onRenew). It gets a JSON summary on stdin and a bare environment:
// deploy-tls's own environment holds the CA and keystore passwords (DEPLOY_TLS_CA_PASSWORD,
// HIVEMQ_KEYSTORE_PASSWORD…), and a child inherits everything unless told otherwise.
import { spawn } from 'node:child_process';
import type { Secret } from '../secret.js';

export type HookEvent = 'success' | 'failure' | 'client-renewed';

export interface HookNode {
  node: string;
  result: string; // "renewed", "unchanged", "failed", "unreachable", …
  serial?: string;
  notAfter?: string;
  error?: string;
}

export interface HookClient {
  name: string;
  /** The folder holding the bundle's files. */
  out: string;
  serial: string;
  notAfter: string;
  files: string[];
}

/** What a hook reads on stdin. Versioned, so a hook can refuse a shape it does not know. */
export interface HookSummary {
  version: 1;
  command: string;
  event: HookEvent;
  ok: boolean;
  startedAt: string;
  finishedAt: string;
  nodes: HookNode[];
  clients: HookClient[];
  /** Why the run failed when no node says it (a held CA lock, a bad inventory). */
  error?: string;
}

export interface HookSummaryInput {
  command: string;
  event: HookEvent;
  ok: boolean;
  startedAt: Date;
  finishedAt: Date;
  nodes?: readonly HookNode[];
  clients?: readonly HookClient[];
  error?: string;
}

/** Copies the named fields only: whatever else a caller's objects carry never reaches the hook. */
export function hookSummary(input: HookSummaryInput): HookSummary {
  return {
    version: 1,
    command: input.command,
    event: input.event,
    ok: input.ok,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    nodes: (input.nodes ?? []).map((n) => ({
      node: n.node,
      result: n.result,
      ...(n.serial === undefined ? {} : { serial: n.serial }),
      ...(n.notAfter === undefined ? {} : { notAfter: n.notAfter }),
      ...(n.error === undefined ? {} : { error: n.error }),
    })),
    clients: (input.clients ?? []).map((c) => ({
      name: c.name,
      out: c.out,
      serial: c.serial,
      notAfter: c.notAfter,
      files: [...c.files],
    })),
    ...(input.error === undefined ? {} : { error: input.error }),
  };
}

// Shorter values are too likely to occur by chance (a password "1" would blank every "1").
const MIN_REDACTED = 4;

/** The summary as JSON with every known secret value replaced by ***, in case a message quoted one. */
export function hookPayload(summary: HookSummary, secrets: readonly Secret[]): string {
  const values = secrets.map((s) => s.reveal()).filter((v) => v.length >= MIN_REDACTED);
  const redact = (text: string) => values.reduce((t, v) => t.split(v).join('***'), text);
  return `${JSON.stringify(summary, (_key, value) => (typeof value === 'string' ? redact(value) : value))}\n`;
}

/** The variables a hook sees: enough to find programs and speak the locale, nothing that may be secret. */
const PASSED_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ'] as const;

export function hookEnvironment(env: NodeJS.ProcessEnv, event: HookEvent): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of PASSED_ENV) {
    const value = env[name];
    if (value !== undefined) kept[name] = value;
  }
  return { ...kept, DEPLOY_TLS_HOOK_EVENT: event };
}

export interface HookResult {
  argv: readonly string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** The hook's own output, cut at 16 KiB each, for the log. */
  stdout: string;
  stderr: string;
  /** Could not start at all (ENOENT, EACCES). */
  error?: string;
}

const OUTPUT_LIMIT = 16 * 1024;
const KILL_GRACE_MS = 5_000;

/**
 * Runs argv (no shell) with the payload on stdin. Never throws: a failing hook is reported by the
 * caller and changes nothing about the run it reports on.
 */
export function runHook(
  argv: readonly string[],
  payload: string,
  options: { env: Record<string, string>; timeoutMs: number; cwd?: string },
): Promise<HookResult> {
  const [program, ...args] = argv;
  return new Promise((resolve) => {
    const out = { stdout: '', stderr: '' };
    let timedOut = false;
    const child = spawn(program as string, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      if (out[stream].length < OUTPUT_LIMIT)
        out[stream] = (out[stream] + chunk.toString()).slice(0, OUTPUT_LIMIT);
    };
    child.stdout.on('data', collect('stdout'));
    child.stderr.on('data', collect('stderr'));
    child.stdin.on('error', () => {}); // a hook that does not read stdin closes it: EPIPE is fine
    child.stdin.end(payload);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS).unref();
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ argv, exitCode: null, signal: null, timedOut, ...out, error: error.message });
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ argv, exitCode, signal, timedOut, ...out });
    });
  });
}

/** A hook that hangs must not hold a scheduled rotation (or the rollout that renewed a bundle) forever. */
export const HOOK_TIMEOUT_MS = 120_000;

/**
 * Runs a hook for a summary: the one side effect of hooks, which commands get from the CLI (it
 * holds the process's environment). Never throws.
 */
export type HookRunner = (
  argv: readonly string[],
  summary: HookSummary,
  options: { secrets: readonly Secret[]; cwd?: string },
) => Promise<HookResult>;

export function hookRunner(env: NodeJS.ProcessEnv, timeoutMs = HOOK_TIMEOUT_MS): HookRunner {
  return (argv, summary, options) =>
    runHook(argv, hookPayload(summary, options.secrets), {
      env: hookEnvironment(env, summary.event),
      timeoutMs,
      cwd: options.cwd,
    });
}

/** One line for a log: how the hook ended, with the first line of what it said when it failed. */
export function hookOutcome(result: HookResult): { ok: boolean; outcome: string } {
  const said = (result.stderr.trim() || result.stdout.trim()).split('\n')[0]?.slice(0, 200) ?? '';
  if (result.error) return { ok: false, outcome: `could not start: ${result.error}` };
  if (result.timedOut) return { ok: false, outcome: 'timed out and was stopped' };
  if (result.signal) return { ok: false, outcome: `killed by ${result.signal}` };
  if (result.exitCode === 0) return { ok: true, outcome: 'exited 0' };
  return { ok: false, outcome: `exited ${result.exitCode}${said ? `: ${said}` : ''}` };
}
