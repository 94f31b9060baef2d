// Quoting for the two places `rotate --print-cron` / `--print-systemd` put paths: a crontab
// command field and a systemd unit. Each has its own rules; a path with a space, a quote, "$" or
// "%" must reach deploy-tls as the same path, or the scheduled run rotates nothing.
import { UsageError } from '../errors.js';
import { shellQuote } from '../remote/remote.js';

/** Neither format can hold a line break or another control character: refuse rather than guess. */
function refuseControl(word: string, where: string): void {
  if ([...word].some((char) => (char.codePointAt(0) ?? 0) < 0x20 || char === '\u007f')) {
    throw new UsageError(`cannot write ${JSON.stringify(word)} into ${where}: it holds a control character`, {
      hint: 'move deploy-tls, node or the inventory to a path without control characters',
    });
  }
}

/**
 * One word of a crontab command field. cron hands the field to /bin/sh -c, so the word is quoted
 * for sh by shellQuote; before that, cron turns every "%" not escaped by a backslash into a line
 * break and feeds what follows as stdin (crontab(5)), and a backslash escapes whatever follows
 * it. So the word is quoted in pieces between its "%"s, each "%" written as "\%" outside the
 * quotes: cron makes that "%", sh reads an unquoted "%" as itself, and no backslash of the word
 * itself ever stands right before one.
 */
export function crontabWord(word: string): string {
  refuseControl(word, 'a crontab line');
  return word.split('%').map(shellQuote).join('\\%');
}

/** A crontab command: the words, each quoted by crontabWord, separated by spaces. */
export function crontabCommand(words: readonly string[]): string {
  return words.map(crontabWord).join(' ');
}

/**
 * One word of an Exec*= command line, per systemd.service(5) "Command lines" and
 * systemd.syntax(7) "Quoting": in double quotes with C-style escapes, so "\" and a double quote
 * are escaped; "%" starts a specifier everywhere, so it is doubled; "$" starts a variable in an
 * argument (not in the executable), so there it is doubled. A lone ";" separates commands and is
 * written as the documented "\;".
 */
export function systemdExecWord(word: string, executable = false): string {
  refuseControl(word, 'a systemd unit');
  if (word === ';') return '\\;';
  let escaped = word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%');
  if (!executable) escaped = escaped.replace(/\$/g, '$$$$');
  return `"${escaped}"`;
}

/**
 * An ExecStart= value from the program and its arguments. systemd 252 refuses an executable path
 * holding a quote or a backslash ("Executable name contains special characters"), however it is
 * escaped, so such a path is refused here with a next step rather than written into a unit that
 * will not start.
 */
export function systemdExecStart(words: readonly string[]): string {
  const [program, ...args] = words;
  if (program === undefined) throw new UsageError('an ExecStart= needs a program');
  if (!program.startsWith('/') || /["'\\]/.test(program))
    throw new UsageError(`systemd cannot run ${JSON.stringify(program)} from ExecStart=`, {
      hint: 'the program must be an absolute path without quotes or backslashes: install node (or link it) at such a path',
    });
  return [systemdExecWord(program, true), ...args.map((arg) => systemdExecWord(arg))].join(' ');
}

/**
 * A path setting such as WorkingDirectory=: taken as the rest of the line, unquoted, with "%"
 * specifiers expanded (systemd.unit(5) "Specifiers"); leading and trailing whitespace is dropped
 * and a trailing backslash joins the next line (systemd.syntax(7)), so those are refused.
 */
export function systemdPath(path: string): string {
  refuseControl(path, 'a systemd unit');
  if (!path.startsWith('/') || path !== path.trim() || path.endsWith('\\'))
    throw new UsageError(`cannot write ${JSON.stringify(path)} as a systemd path setting`, {
      hint: 'use an absolute path without leading or trailing spaces or a trailing backslash',
    });
  return path.replace(/%/g, '%%');
}
