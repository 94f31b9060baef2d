// What bash and zsh really offer for a command line, given a completion script: bash runs the
// script's function as readline would (COMP_WORDS/COMP_CWORD); zsh runs its completion system in a
// pseudo-terminal (zpty) and reports every match compadd receives.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The scripts live outside `cwd`, so file completion there sees only the test's own files.
const scratch = () => mkdtempSync(join(tmpdir(), 'deploy-tls-shell-'));

/** Matches for `words`, the last one being the word under the cursor (may be ''). */
export function bashComplete(script: string, words: string[], cwd: string): string[] {
  const driver = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
fn=$(complete -p "$1" | sed -E 's/.* -F ([^ ]+) .*/\\1/'); "$fn"; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const file = join(scratch(), 'completion.bash');
  writeFileSync(file, script);
  const result = spawnSync('bash', ['--norc', '--noprofile', '-c', driver, 'bash', file, ...words], {
    cwd,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`bash completion failed: ${result.stderr}`);
  return result.stdout.split('\n').filter((line) => line !== '');
}

// Reads the pty until the completion system ran comppostfuncs, at most ~15 s.
const ZSH_DRIVER = `zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PS1='' PROMPT='' RPROMPT=''"
zpty -w z "fpath=($1 \\$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "bindkey '^I' complete-word"
zpty -w z 'compadd() { if [[ " $* " == *" -"[OAD]" "* ]]; then builtin compadd "$@"; return; fi; local -a m; builtin compadd -O m "$@"; print -rl -- "M"ATCH:\${^m} >/dev/tty; builtin compadd "$@"; }'
zpty -w z 'comppostfuncs=(capture_done); capture_done() { print -r -- "<<DO""NE>>" >/dev/tty; }'
shift
zpty -n -w z "$*"$'\\t'
local out chunk
integer i
for i in {1..150}; do
  if zpty -r -t z chunk; then out+=$chunk; [[ $out == *'<<DONE>>'* ]] && break; else sleep 0.1; fi
done
zpty -d z
[[ $out == *'<<DONE>>'* ]] || { print -u2 -r -- "no completion finished: $out"; exit 1; }
# the first match may share its line with the echo of the typed command
for line in "\${(@f)out}"; do [[ $line == *MATCH:* ]] && print -r -- "\${\${line##*MATCH:}%$'\\r'}"; done
exit 0
`;

/** `line` is typed as it stands (a trailing space means a new word) and Tab pressed. */
export function zshComplete(script: string, command: string, line: string, cwd: string): string[] {
  const dir = scratch();
  const fpath = join(dir, 'functions');
  mkdirSync(fpath);
  writeFileSync(join(fpath, `_${command}`), script);
  writeFileSync(join(dir, 'capture.zsh'), ZSH_DRIVER);
  const result = spawnSync('zsh', ['-f', join(dir, 'capture.zsh'), fpath, line], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`zsh completion failed: ${result.stderr}`);
  // _files tries more than one tag (directories, then all files): the same name may come twice
  return [...new Set(result.stdout.split('\n').filter((l) => l !== ''))];
}
