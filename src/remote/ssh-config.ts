// The OpenSSH client config, read by OpenSSH itself: `ssh -G` prints the configuration ssh would use
// for a host after evaluating Host and Match blocks (negation included), Include, and every other
// rule of ssh_config(5), so deploy-tls reaches a host exactly as `ssh host` would. A parser of our
// own (or a library) would re-implement those rules and drift from them (Match exec/final/canonical,
// Include globs relative to ~/.ssh, %-tokens); the cost is that reading a config needs the OpenSSH
// client installed, which the openssh transport needs anyway.
//
// `ssh -G` prints resolved values only, not where they came from, but deploy-tls must tell "set in
// the config" from "ssh's own default" (its own defaults differ: user root, ~/.ssh/id_ed25519). So the
// config is given on stdin as a wrapper: `Include <the file>`, then `Match all` with sentinel values.
// ssh keeps the first value it obtains, so a sentinel shows exactly when the file set nothing.

export interface SshConfigValues {
  /** HostName (ssh prints the given name when none is set). */
  hostname: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  certificateFiles: string[];
  /** UserKnownHostsFile: the first file is where accept-new records a key. */
  knownHosts?: string[];
  proxyJump?: string;
  identitiesOnly: boolean;
  /** ssh -G's spelling: true, false, ask or accept-new. */
  strictHostKeyChecking: string;
  identityAgent?: string;
}

const UNSET = 'deploy-tls-unset';
const UNSET_PATH = `/${UNSET}`;

/** The config ssh -G reads (-F): the user's file first, our sentinels after it. */
export function configWrapper(configFile: string): string {
  return [
    `Include ${quoteConfigWord(configFile)}`,
    'Match all',
    `  User ${UNSET}`,
    `  IdentityFile ${UNSET_PATH}`,
    `  CertificateFile ${UNSET_PATH}`,
    `  UserKnownHostsFile ${UNSET_PATH}`,
    `  IdentityAgent ${UNSET_PATH}`,
    '',
  ].join('\n');
}

/** A word for ssh_config: double quotes keep spaces; a path with a quote or newline is refused. */
function quoteConfigWord(word: string): string {
  if (/["\n\r\0]/.test(word)) throw new Error(`cannot name ${JSON.stringify(word)} in an ssh config`);
  return `"${word}"`;
}

/**
 * argv for `ssh -G`. Values the inventory sets go on the command line, where ssh ranks them above
 * the config (ssh_config(5): command-line options first), so `Match user` and %r see them too.
 */
export function sshConfigArgs(host: string, given: { user?: string; port?: number } = {}): string[] {
  return [
    '-G',
    ...(given.user ? ['-l', given.user] : []),
    ...(given.port ? ['-p', String(given.port)] : []),
    '--',
    host,
  ];
}

/** Reads `ssh -G` output into the values deploy-tls uses; sentinels become "not set". */
export function parseSshG(stdout: string): SshConfigValues {
  const single = new Map<string, string>();
  const multi = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const key = line.slice(0, space).toLowerCase();
    const value = line.slice(space + 1).trim();
    if (!single.has(key)) single.set(key, value);
    multi.set(key, [...(multi.get(key) ?? []), value]);
  }
  const set = (value: string | undefined) =>
    value === undefined || value === UNSET || value === UNSET_PATH ? undefined : value;
  const port = single.get('port');
  const knownHosts = set(single.get('userknownhostsfile'));
  const proxyJump = single.get('proxyjump');
  const agent = set(single.get('identityagent'));
  return {
    hostname: single.get('hostname') ?? '',
    user: set(single.get('user')),
    port: port === undefined ? undefined : Number(port),
    identityFiles: (multi.get('identityfile') ?? []).filter((file) => file !== UNSET_PATH),
    certificateFiles: (multi.get('certificatefile') ?? []).filter((file) => file !== UNSET_PATH),
    knownHosts: knownHosts?.split(/\s+/),
    proxyJump: proxyJump === undefined || proxyJump === 'none' ? undefined : proxyJump,
    identitiesOnly: single.get('identitiesonly') === 'yes',
    strictHostKeyChecking: single.get('stricthostkeychecking') ?? 'ask',
    identityAgent: agent === 'none' ? undefined : agent,
  };
}

/** What ssh -G needs to run: the command runner is a side effect and comes in as a parameter. */
export type RunSshG = (
  args: string[],
  stdin: string,
) => Promise<{ code: number; stdout: string; stderr: string }>;

export class SshConfigError extends Error {}

/** Resolves one host through the config; rejects a config ssh itself rejects, with ssh's words. */
export async function readSshConfig(
  run: RunSshG,
  configFile: string,
  host: string,
  given: { user?: string; port?: number } = {},
): Promise<SshConfigValues> {
  const result = await run(sshConfigArgs(host, given), configWrapper(configFile));
  if (result.code !== 0) {
    const reason = result.stderr
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('Pseudo-terminal'))
      .join('; ');
    throw new SshConfigError(reason || `ssh -G exited ${result.code}`);
  }
  return parseSshG(result.stdout);
}
