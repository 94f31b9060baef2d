// Running commands as root through sudo(8) when the SSH user is not root. Without a password
// `sudo -n` (never prompt). With one, `sudo -S` reads it from the first line of stdin (sudo(8) -S:
// "read the password from the standard input instead of using the terminal device"), so it never
// shows on a command line; the rest of stdin is left to the command, since sudo reads the
// password byte by byte up to the newline. `-k` ignores cached credentials, so sudo asks every
// time and the password line is always consumed by sudo, never by the command; `-p ''` keeps
// the prompt out of stderr.
import { shellQuote } from './remote.js';

export type BecomeMode = 'none' | 'sudo' | 'sudo-password';

export interface BecomeCommand {
  command: string;
  /** Bytes to send before the command's own stdin. */
  stdinPrefix?: string;
}

export function becomeCommand(command: string, mode: BecomeMode, password?: () => string): BecomeCommand {
  if (mode === 'none') return { command };
  if (mode === 'sudo') return { command: `sudo -n sh -c ${shellQuote(command)}` };
  if (!password) throw new Error('sudo-password mode without a password');
  return { command: `sudo -S -k -p '' sh -c ${shellQuote(command)}`, stdinPrefix: `${password()}\n` };
}

/** Exits 0 when sudo needs no password (NOPASSWD, or root): then the password is never sent. */
export const SUDO_WITHOUT_PASSWORD = 'sudo -n true';
/** Checks the password once per connection, before any change. */
export const SUDO_WITH_PASSWORD = `sudo -S -k -p '' true`;

/** Reads why sudo refused: a wrong password, or a user sudo does not allow at all. */
export function sudoRefusal(stderr: string): 'wrong-password' | 'not-allowed' | 'other' {
  if (/incorrect password|Sorry, try again|no password was provided|Authentication failure/i.test(stderr)) {
    return 'wrong-password';
  }
  if (/not in the sudoers|not allowed to execute|may not run sudo/i.test(stderr)) return 'not-allowed';
  return 'other';
}

/** A password line must be one line: a newline would end it early and feed the rest to the command. */
export function checkBecomePassword(value: string): string | undefined {
  return /[\r\n\0]/.test(value) ? 'contains a line break or NUL: sudo -S reads one line' : undefined;
}
