// tls.passwordsIn: environment. config.xml holds ${ENV:NAME} placeholders (config.ts writes them
// for EnvPlaceholder passwords) and the values live in a root-only file that the service loads
// before HiveMQ starts: systemd's EnvironmentFile= (systemd.exec(5)), or the sandbox's service
// script. Pure: passwords in, file text out, and back.
//
// One file format read identically by systemd and by POSIX sh: NAME="value", where the value is
// inside double quotes with \ " $ and ` escaped by a backslash. systemd.exec(5), EnvironmentFile=:
// "Variables may be enclosed in double quotes … backslash escapes \" \\ \` \$"; in sh the same four
// are the characters a backslash escapes inside double quotes (POSIX XCU 2.2.3).
//
// HiveMQ puts the value into config.xml's text before it parses the XML (CE ConfigFileReader →
// EnvVarUtil.replaceEnvironmentVariablePlaceholders), so the value in the file is the password as
// XML text: & < > and control characters as character references, or a password with "<" would
// break config.xml (and one with "</password>…" could add elements to it).
import { InputError } from '../errors.js';
import type { StorePasswords } from '../keystore/index.js';
import { type EnvPlaceholder, hasCharacterXmlCannotHold } from './config.js';

/** The variables deploy-tls writes; prefixed so that nothing else in the service's environment clashes. */
export const PASSWORD_VARIABLES = {
  keystore: 'HIVEMQ_TLS_KEYSTORE_PASSWORD',
  key: 'HIVEMQ_TLS_PRIVATE_KEY_PASSWORD',
  truststore: 'HIVEMQ_TLS_TRUSTSTORE_PASSWORD',
} as const;

type PasswordName = keyof typeof PASSWORD_VARIABLES;
const NAMES = Object.keys(PASSWORD_VARIABLES) as PasswordName[];

/** Root-only: it holds every keystore password of the node. systemd reads it as root before dropping privileges. */
export const ENVIRONMENT_FILE_MODE = 0o600;

/**
 * The drop-in that makes a systemd unit load the file (systemd.unit(5): "<unit>.d/" folders beside
 * /etc/systemd/system/<unit>; daemon-reload, then restart).
 */
export function systemdDropInPath(unit: string): string {
  return `/etc/systemd/system/${unit}.service.d/deploy-tls-environment.conf`;
}

/** HiveMQ's own unit file (bin/init-script/hivemq.service) is hivemq.service. */
export const SYSTEMD_DROP_IN_PATH = systemdDropInPath('hivemq');

/**
 * `systemctl [options] restart UNIT[.service]`, run directly or through sudo, as the inventory's
 * hivemq.restart (default `systemctl restart hivemq`). Unit names are letters, digits, ":", "-",
 * "_", "." and "@" (systemd.unit(5); the backslash of escaped names is left out: it would be a path).
 */
const SYSTEMCTL_RESTART =
  /^\s*(?:sudo\s+(?:-[A-Za-z]+\s+)*)?(?:(?:\/usr)?\/bin\/)?systemctl\s+(?:--?[A-Za-z][\w-]*\s+)*(?:try-)?restart\s+([A-Za-z0-9:_.@-]+?)(?:\.service)?\s*$/;

/**
 * The systemd unit the restart command restarts, or undefined when it is anything else. How the
 * broker is started is decided by the operator's own restart command: a systemd unit gets the
 * environment file through a drop-in; any other service (an init script, the sandbox's service
 * script) must load the file itself, as HiveMQ's run.sh does not.
 */
export function systemdUnit(restart: string): string | undefined {
  const unit = SYSTEMCTL_RESTART.exec(restart)?.[1];
  return unit && !/^\.+$/.test(unit) ? unit : undefined;
}

/** The placeholders config.xml gets in environment mode, one per password of StorePasswords. */
export const PASSWORD_PLACEHOLDERS: Record<PasswordName, EnvPlaceholder> = {
  keystore: { env: PASSWORD_VARIABLES.keystore },
  key: { env: PASSWORD_VARIABLES.key },
  truststore: { env: PASSWORD_VARIABLES.truststore },
};

const HEADER = [
  '# Written by deploy-tls (tls.passwordsIn: environment): the keystore passwords HiveMQ reads',
  '# from ENV placeholders in config.xml. Values are XML text (HiveMQ puts them into config.xml',
  '# before parsing it). Loaded by the service: systemd EnvironmentFile=. Keep it root-only (0600).',
];

/**
 * The environment file for these passwords: systemd EnvironmentFile= and POSIX sh read it alike.
 * The passwords are revealed here, into text that only ever travels to a 0600 file on the node.
 */
export function environmentFileText(passwords: StorePasswords): string {
  const lines = NAMES.map(
    (name) => `${PASSWORD_VARIABLES[name]}="${shellDoubleQuoted(xmlText(passwords[name].reveal()))}"`,
  );
  return `${[...HEADER, ...lines].join('\n')}\n`;
}

/**
 * NAME → value as HiveMQ will see it (the XML text, unescaped from the double quotes), for
 * comparing what a node has with what it should have. Only the NAME="…" lines this module
 * writes are understood; anything else is an InputError naming the line.
 */
export function parseEnvironmentFile(text: string, file: string): Map<string, string> {
  const values = new Map<string, string>();
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"$/.exec(line);
    if (!match?.[1] || match[2] === undefined)
      throw new InputError(`${file}:${index + 1} is not a NAME="value" line deploy-tls wrote`, {
        hint: 'remove the line, or the file, and run again: deploy-tls writes the whole file',
      });
    values.set(match[1], match[2].replace(/\\(.)/g, '$1'));
  });
  return values;
}

/** Whether the file on the node already holds exactly these passwords (so it need not be written). */
export function environmentFileHolds(text: string, file: string, passwords: StorePasswords): boolean {
  const values = parseEnvironmentFile(text, file);
  return NAMES.every((name) => values.get(PASSWORD_VARIABLES[name]) === xmlText(passwords[name].reveal()));
}

/**
 * The drop-in for the hivemq unit. HiveMQ's own unit file (bin/init-script/hivemq.service) is left
 * as shipped; a drop-in survives its upgrades. `%` is a specifier in unit files and whitespace
 * would split the value, so such paths are refused rather than escaped.
 */
export function systemdDropIn(environmentFile: string): string {
  if (!/^\/[^\s%\\"']*$/.test(environmentFile))
    throw new InputError(
      `tls.environmentFile "${environmentFile}" cannot be named in a systemd unit (it needs an absolute path without spaces, %, quotes or backslashes)`,
      { hint: 'choose a plain path such as /etc/ssl/hivemq/hivemq-tls.env' },
    );
  return [
    '# Written by deploy-tls: HiveMQ reads its keystore passwords from this file (tls.passwordsIn: environment).',
    '[Service]',
    `EnvironmentFile=${environmentFile}`,
    '',
  ].join('\n');
}

/**
 * A password as XML character data: markup and tab, LF, CR as character references, so the
 * file keeps one line per variable. XML 1.0 cannot hold other C0 controls at all (not even as a
 * reference): such a password is an InputError.
 */
export function xmlText(value: string): string {
  if (hasCharacterXmlCannotHold(value))
    throw new InputError('a keystore password contains a control character, which XML cannot hold', {
      hint: 'choose passwords of printable characters',
    });
  return value.replace(/[&<>\t\n\r]/g, (char) => `&#${char.codePointAt(0)};`);
}

function shellDoubleQuoted(value: string): string {
  return value.replace(/[\\"$`]/g, (char) => `\\${char}`);
}
