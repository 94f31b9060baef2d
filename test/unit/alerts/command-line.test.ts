import { describe, expect, it } from 'vitest';
import { formatCommandLine, parseCommandLine } from '../../../src/alerts/command-line.js';
import { alertUnit, execLine, ON_FAILURE, rotateProgram } from '../../../src/alerts/systemd.js';

describe('parseCommandLine', () => {
  it.each([
    ['notify-send hello', ['notify-send', 'hello']],
    [
      `logger -t deploy-tls "rotation failed: $HOME"`,
      ['logger', '-t', 'deploy-tls', 'rotation failed: $HOME'],
    ],
    [`sh -c 'echo "$1" | mail ops' x`, ['sh', '-c', 'echo "$1" | mail ops', 'x']],
    ['a\\ b "" c\\"d', ['a b', '', 'c"d']],
    [
      '  curl  -fsS\thttps://hooks.example/x?a=1&b=2 ; rm -rf /',
      ['curl', '-fsS', 'https://hooks.example/x?a=1&b=2', ';', 'rm', '-rf', '/'],
    ],
  ])('%j: words, nothing expanded or interpreted', (text, argv) => {
    expect(parseCommandLine(text, '--on-failure')).toEqual(argv);
  });

  it.each([
    [['/usr/local/bin/page', 'ops team', '', 'say "hi"', "it's", 'a\\b', '$HOME', '100%', ';']],
    [['notify-send', '--urgency=critical', 'deploy-tls']],
  ])('formatCommandLine(%j) reads back as the same argv', (argv) => {
    expect(parseCommandLine(formatCommandLine(argv), '--on-failure')).toEqual(argv);
  });

  it('refuses an open quote and an empty command, naming where', () => {
    expect(() => parseCommandLine('notify "oops', 'clients[0].onRenew')).toThrow(
      'clients[0].onRenew: the quote " is never closed',
    );
    expect(() => parseCommandLine('   ', '--on-success')).toThrow('--on-success: the command is empty');
  });
});

describe('systemd lines', () => {
  it('quotes every word so that systemd neither splits, expands specifiers nor substitutes variables', () => {
    expect(execLine(['/usr/bin/node', '/etc/deploy tls/prod.yaml'])).toBe(
      '"/usr/bin/node" "/etc/deploy tls/prod.yaml"',
    );
    expect(execLine(['/usr/bin/node', '100% "$HOME" \\'])).toBe('"/usr/bin/node" "100%% \\"$$HOME\\" \\\\"');
    expect(() => execLine(['/usr/bin/node', 'a\nExecStartPost=/bin/evil'])).toThrow('control character');
    expect(execLine(['/usr/bin/node', '/usr/local/bin/deploy-tls'])).toBe(
      '"/usr/bin/node" "/usr/local/bin/deploy-tls"',
    );
    // variables are substituted in arguments, never in the executable's path (systemd.service(5))
    expect(execLine(['/opt/$node/bin/node', '$x'])).toBe('"/opt/$node/bin/node" "$$x"');
  });

  it('runs the installed bin link with an absolute node, and warns about a checkout', () => {
    const installed = rotateProgram({
      execPath: '/usr/bin/node',
      script: '/usr/local/bin/deploy-tls',
      realScript: '/usr/local/lib/node_modules/deploy-tls/dist/cli/main.js',
    });
    expect(installed).toEqual({ argv: ['/usr/bin/node', '/usr/local/bin/deploy-tls'] });
    const checkout = rotateProgram({
      execPath: '/usr/bin/node',
      script: '/srv/dt/dist/cli/main.js',
      realScript: '/srv/dt/dist/cli/main.js',
    });
    expect(checkout.warning).toContain('moving or deleting that folder stops rotation');
  });

  it('the alert unit template runs an absolute command and names the failed unit', () => {
    expect(ON_FAILURE).toBe('OnFailure=deploy-tls-alert@%n.service');
    const unit = alertUnit(['/usr/bin/logger', '-t', 'deploy-tls', 'rotation failed']);
    expect(unit).toContain('ExecStart="/usr/bin/logger" "-t" "deploy-tls" "rotation failed"');
    expect(unit).toContain('"unit":"%i"');
    expect(() => alertUnit(['logger'])).toThrow('absolute path');
  });
});
