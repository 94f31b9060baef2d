// The systemd side of scheduled rotation: which binary the service runs, and the alert unit that
// OnFailure= starts when a run fails in a way rotate could not report itself (killed, timed out,
// crashed before its hooks ran).
import { isAbsolute } from 'node:path';
import { InputError } from '../errors.js';
import { systemdExecWord } from '../schedule/quote.js';

export const ALERT_UNIT = 'deploy-tls-alert@.service';

/**
 * The program part of ExecStart=: Node by absolute path (systemd's PATH is fixed and may not hold it,
 * so `#!/usr/bin/env node` could fail there) and the script as invoked. Invoked through an installed
 * bin link (/usr/local/bin/deploy-tls), the link survives package upgrades. Invoked from a checkout,
 * the unit would break when the checkout moves: the caller gets a warning to print.
 */
export function rotateProgram(options: { execPath: string; script: string; realScript: string }): {
  argv: string[];
  warning?: string;
} {
  const argv = [options.execPath, options.script];
  if (options.realScript.split('/').includes('node_modules')) return { argv };
  return {
    argv,
    warning: `the unit runs deploy-tls from ${options.realScript}, outside an installed package: moving or deleting that folder stops rotation. Install it (npm install --global deploy-tls) and print the unit again`,
  };
}

/** An ExecStart= value from argv, every word quoted for systemd. */
export function execLine(argv: readonly string[]): string {
  return argv.map((word, i) => systemdExecWord(word, i === 0)).join(' ');
}

/** The line for the rotate service's [Unit] section: %n is the failing unit's full name. */
export const ON_FAILURE = `OnFailure=${ALERT_UNIT.replace('@', '@%n')}`;

/**
 * The alert unit template. systemd starts deploy-tls-alert@deploy-tls-rotate.service.service when the
 * rotation service fails; the command gets a small JSON summary on stdin (StandardInputText=, whose
 * specifiers systemd expands) in the same shape as --on-failure hooks, without node details, which only
 * the rotate process knew.
 */
export function alertUnit(alert: readonly string[]): string {
  const [program] = alert;
  if (!program || !isAbsolute(program)) {
    throw new InputError(`the alert command must start with an absolute path, not "${program ?? ''}"`, {
      hint: 'systemd runs it with a fixed PATH: write e.g. /usr/local/bin/notify-oncall',
    });
  }
  const summary =
    '{"version":1,"command":"rotate","event":"failure","ok":false,"unit":"%i","nodes":[],"clients":[]}';
  return `# /etc/systemd/system/${ALERT_UNIT}
# Started by OnFailure= of deploy-tls-rotate.service; %i is the failed unit. Also run by hand to test:
#   systemctl start deploy-tls-alert@deploy-tls-rotate.service.service
[Unit]
Description=deploy-tls: alert that %i failed

[Service]
Type=oneshot
StandardInputText=${summary}
Environment=DEPLOY_TLS_HOOK_EVENT=failure
ExecStart=${execLine(alert)}
`;
}

export interface RotateServiceOptions {
  /** From rotateProgram(). */
  program: readonly string[];
  /** Absolute. */
  inventory: string;
  /** Passed on to rotate: --prometheus FILE, --on-failure CMD, … */
  args?: readonly string[];
  /** Add OnFailure= for the alert unit template. */
  alert: boolean;
}

/**
 * The service half of `rotate --print-systemd`, every word quoted: a path with a space or a % no
 * longer breaks the unit. The working directory is the inventory's, which relative paths in it
 * are resolved against anyway.
 */
export function rotateService(options: RotateServiceOptions): string {
  const argv = [...options.program, 'rotate', '--inventory', options.inventory, ...(options.args ?? [])];
  const workingDirectory = options.inventory.replace(/\/[^/]*$/, '') || '/';
  return `# /etc/systemd/system/deploy-tls-rotate.service
[Unit]
Description=deploy-tls: renew HiveMQ certificates before they expire
Wants=network-online.target
After=network-online.target
${options.alert ? `${ON_FAILURE}\n` : ''}
[Service]
Type=oneshot
WorkingDirectory=${workingDirectory.replace(/%/g, '%%')}
# Passwords: point the inventory at files ({ file: … }), or list VAR=value lines here (mode 0600).
EnvironmentFile=-/etc/deploy-tls/rotate.env
ExecStart=${execLine(argv)}
`;
}
