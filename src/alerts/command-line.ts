// A command given as one string (`--on-failure "notify-send 'rotation failed'"`, `clients[].onRenew`)
// becomes an argv without a shell: quotes group words and a backslash escapes one character, as
// systemd's ExecStart= splits (systemd.service(5), "Command lines"), but nothing is expanded: no
// variables, globs, pipes or redirections. Whoever wants a shell writes `sh -c '…'` and gets it.
import { InputError } from '../errors.js';

export function parseCommandLine(text: string, where: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word = (word ?? '') + text[++i];
      else word = (word ?? '') + c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i];
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote) throw new InputError(`${where}: the quote ${quote} is never closed`, { hint: `check ${where}` });
  if (word !== undefined) words.push(word);
  if (words.length === 0) throw new InputError(`${where}: the command is empty`);
  return words;
}

/** argv back to one string that parseCommandLine reads as the same argv (for a printed unit or a log). */
export function formatCommandLine(argv: readonly string[]): string {
  return argv
    .map((word) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `"${word.replace(/[\\"]/g, '\\$&')}"`))
    .join(' ');
}
