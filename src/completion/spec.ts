// A program's commands and options as plain data, from which shell completion scripts are generated.
// The CLI builds it from its commander program, so completion never drifts from the real options.

/** What an option's value (or a positional argument) completes to. */
export type ValueKind =
  | { kind: 'file' }
  | { kind: 'dir' }
  | { kind: 'choices'; choices: readonly string[] }
  | { kind: 'text'; name: string };

export interface OptionSpec {
  /** Every spelling: ["-i", "--inventory"]. */
  flags: readonly string[];
  description: string;
  /** Absent for a switch. */
  value?: ValueKind;
}

export interface ArgumentSpec {
  name: string;
  description: string;
  value: ValueKind;
}

export interface CommandSpec {
  name: string;
  description: string;
  options: readonly OptionSpec[];
  arguments: readonly ArgumentSpec[];
  subcommands: readonly CommandSpec[];
}

/** Names and flags go into scripts unquoted in places (case patterns, function names): keep them plain. */
const PLAIN = /^-{0,2}[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function checkPlain(spec: CommandSpec): void {
  const words = [spec.name, ...spec.options.flatMap((o) => o.flags)];
  for (const option of spec.options)
    if (option.value?.kind === 'choices') words.push(...option.value.choices);
  for (const argument of spec.arguments)
    if (argument.value.kind === 'choices') words.push(...argument.value.choices);
  for (const word of words) {
    if (!PLAIN.test(word)) throw new Error(`"${word}" cannot go into a completion script as it is`);
  }
  for (const sub of spec.subcommands) checkPlain(sub);
}

/** Every command with its path from the root: [[], root], [["ca"], ca], [["ca", "init"], init], … */
export function walk(spec: CommandSpec, path: readonly string[] = []): [readonly string[], CommandSpec][] {
  return [[path, spec], ...spec.subcommands.flatMap((sub) => walk(sub, [...path, sub.name]))];
}

/** A kind from an option's placeholder: `<file>` and `<dir>` complete paths, the rest is free text. */
export function valueKindOf(placeholder: string, choices?: readonly string[]): ValueKind {
  if (choices && choices.length > 0) return { kind: 'choices', choices };
  if (/^(file|inventory|path)$/.test(placeholder)) return { kind: 'file' };
  if (/^(dir|folder|directory)$/.test(placeholder)) return { kind: 'dir' };
  return { kind: 'text', name: placeholder };
}
