// The named points where the crash-safety tests may end the process (DEPLOY_TLS_FAULT), as a kill
// or a Ctrl-C would end it there. Production code only calls the hook; cli/options.ts decides.

/** installed: a node's files are written; restarted: its broker restarted; swapping: between the
 *  renames that make the next intermediate the issuing one (ca rollover). */
export type FaultPoint = 'installed' | 'restarted' | 'swapping';

/** Resolves at once unless the process is to die at `point`; then it never resolves. */
export type Fault = (point: FaultPoint) => Promise<void>;
