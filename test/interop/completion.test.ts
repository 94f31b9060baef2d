// Shell completion generated from the program: what bash and zsh really offer, checked against what
// the program's own --help lists for every command, so the two cannot drift apart.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli, runCli } from '../helpers/cli.js';
import { bashComplete, zshComplete } from '../helpers/shell-completion.js';
import { requireTool } from '../helpers/system-tools.js';

let work: string;
let bash: string;
let zsh: string;

beforeAll(async () => {
  requireBuiltCli();
  await requireTool('zsh', 'zsh');
  work = mkdtempSync(join(tmpdir(), 'deploy-tls-completion-'));
  mkdirSync(join(work, 'pki'));
  writeFileSync(join(work, 'prod.yaml'), '');
  const scripts = ['bash', 'zsh'].map((shell) => runCli(['completion', shell]));
  for (const result of scripts) expect(result.code, result.stderr).toBe(0);
  [bash, zsh] = scripts.map((r) => r.stdout) as [string, string];
}, 900_000);

/** Subcommands and long options as commander's own help lists them. */
function fromHelp(path: string[]): { commands: string[]; options: string[] } {
  const help = runCli([...path, '--help']).stdout;
  const section = (title: string) => help.split(`\n${title}:\n`)[1]?.split('\n\n')[0] ?? '';
  const commands = [...section('Commands').matchAll(/^ {2}(\w[\w-]*)/gm)].map((m) => m[1] as string);
  const options = [...section('Options').matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1] as string);
  return { commands: commands.filter((c) => c !== 'help'), options };
}

describe('bash completion', () => {
  it('offers exactly the subcommands and options --help lists, for every command', () => {
    const queue: string[][] = [[]];
    let checked = 0;
    while (queue.length > 0) {
      const path = queue.shift() as string[];
      const listed = fromHelp(path);
      const offered = bashComplete(bash, ['deploy-tls', ...path, ''], work);
      // positional arguments: the shell for completion, a file for inspect's TARGET
      const positional = { completion: ['bash', 'zsh'], inspect: ['pki', 'prod.yaml'] }[path.join(' ')] ?? [];
      expect(offered.filter((w) => !w.startsWith('-')).sort()).toEqual(
        [...listed.commands, ...positional].sort(),
      );
      expect(offered.filter((w) => w.startsWith('--')).sort()).toEqual([...listed.options].sort());
      queue.push(...listed.commands.map((c) => [...path, c]));
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(13);
  });

  it('completes option values: choices, files, folders, and inspect TARGET as a file', () => {
    expect(bashComplete(bash, ['deploy-tls', 'issue', 'node', '--key', ''], work)).toEqual([
      'rsa-2048',
      'rsa-3072',
      'rsa-4096',
      'ecdsa-p256',
      'ecdsa-p384',
    ]);
    expect(bashComplete(bash, ['deploy-tls', '-i', 'pr'], work)).toEqual(['prod.yaml']);
    expect(bashComplete(bash, ['deploy-tls', 'ca', 'init', '--ca-dir', ''], work)).toEqual(['pki']);
    expect(bashComplete(bash, ['deploy-tls', 'inspect', 'pr'], work)).toEqual(['prod.yaml']);
    // after an option's value the next word is an option again, not the value
    expect(bashComplete(bash, ['deploy-tls', 'status', '--inventory', 'prod.yaml', '--j'], work)).toEqual([
      '--json',
    ]);
  });
});

describe('zsh completion', () => {
  it('offers subcommands, options and values through zsh’s own completion system', () => {
    expect(zshComplete(zsh, 'deploy-tls', 'deploy-tls ca ', work)).toEqual(['init', 'show', 'rollover']);
    expect(zshComplete(zsh, 'deploy-tls', 'deploy-tls issue client --format ', work)).toEqual([
      'jks',
      'pkcs12',
    ]);
    expect(zshComplete(zsh, 'deploy-tls', 'deploy-tls inspect --', work)).toEqual(
      fromHelp(['inspect']).options,
    );
    expect(zshComplete(zsh, 'deploy-tls', 'deploy-tls completion ', work)).toEqual(['bash', 'zsh']);
    expect(zshComplete(zsh, 'deploy-tls', 'deploy-tls ca init --ca-dir ', work)).toEqual(['pki']);
  });
});
