// Probes: a command to run on a node plus a pure parser of its output, tested with recorded
// output. One round trip reads every file a plan needs, with its mode and owner.
import { shellQuote } from './remote.js';

export interface Probe<T> {
  command: string;
  parse(stdout: string): T;
}

/**
 * What the probe found at a path. `unreadable` means the file may well be there but the SSH user
 * cannot open it (or cannot search a folder on the way to it): that is never "missing".
 */
export type RemoteFileState = 'present' | 'missing' | 'unreadable';

export interface RemoteFile {
  path: string;
  state: RemoteFileState;
  /** True only when the file was read: present. */
  exists: boolean;
  mode?: number;
  owner?: string;
  group?: string;
  data?: Uint8Array;
  /** For `unreadable`: the system's reason ("Permission denied") and the user that tried. */
  unreadable?: { reason: string; user: string };
}

const MARK = '==deploy-tls==';

/**
 * Fixed text: the paths arrive as positional parameters (`set -- 'p1' 'p2' …`, each quoted by
 * shellQuote) and are only ever used as "$p". Output per path, in order, never echoing the path:
 *   MARK present <mode> <owner> <group>   then one line of base64
 *   MARK missing
 *   MARK unreadable <user> <reason>
 * Opening the file decides: `[ -f ]` is false both for "no such file" and for a folder the user
 * cannot search, and root passes every `-r` test. LC_ALL=C keeps the shell's messages English.
 */
const READ_FILES_BODY = `LC_ALL=C; export LC_ALL
for p do
  if [ -e "$p" ] && [ ! -f "$p" ]; then
    printf '%s unreadable %s %s\\n' '${MARK}' "$(id -un)" 'not a regular file'
  elif e=$( { true < "$p"; } 2>&1 ); then
    printf '%s present %s\\n' '${MARK}' "$(stat -L -c '%a %U %G' -- "$p")"
    base64 -w0 < "$p"; echo
  else
    case $e in
      *'No such file'*|*'Not a directory'*) printf '%s missing\\n' '${MARK}' ;;
      *) printf '%s unreadable %s %s\\n' '${MARK}' "$(id -un)" "\${e##*: }" ;;
    esac
  fi
done`;

/** Reads files (base64) with stat data in one command; a missing or unreadable file is reported, not an error. */
export function readFilesProbe(paths: readonly string[]): Probe<Map<string, RemoteFile>> {
  const command = `set -- ${paths.map(shellQuote).join(' ')}\n${READ_FILES_BODY}`;
  return { command, parse: (stdout) => parseReadFiles(stdout, paths) };
}

export function parseReadFiles(stdout: string, paths: readonly string[]): Map<string, RemoteFile> {
  const files = new Map<string, RemoteFile>();
  const lines = stdout.split('\n');
  let index = 0;
  for (const path of paths) {
    const header = lines[index++];
    if (!header?.startsWith(`${MARK} `)) throw new Error(`unexpected probe output for ${path}: "${header}"`);
    const [state, ...fields] = header.slice(MARK.length + 1).split(' ');
    if (state === 'missing') {
      files.set(path, { path, state: 'missing', exists: false });
    } else if (state === 'unreadable') {
      const [user = '?', ...reason] = fields;
      files.set(path, {
        path,
        state: 'unreadable',
        exists: false,
        unreadable: { user, reason: reason.join(' ') || 'unknown reason' },
      });
    } else if (state === 'present') {
      const [mode, owner, group] = fields;
      const body = lines[index++] ?? '';
      files.set(path, {
        path,
        state: 'present',
        exists: true,
        mode: Number.parseInt(mode ?? '0', 8),
        owner,
        group,
        data: new Uint8Array(Buffer.from(body, 'base64')),
      });
    } else {
      throw new Error(`unexpected probe output for ${path}: "${header}"`);
    }
  }
  return files;
}

/**
 * The sentence for an unreadable file, for the facts step to raise as a RemoteError on the node:
 * "permission denied reading /opt/hivemq/conf/config.xml as user deploy", with the hint to use
 * sudo when the inventory does not already.
 */
export function unreadableMessage(
  file: RemoteFile,
  become: boolean,
): { message: string; hint: string } | undefined {
  if (file.state !== 'unreadable' || !file.unreadable) return undefined;
  const { reason, user } = file.unreadable;
  return {
    message: `${reason.toLowerCase()} reading ${file.path} as user ${user}`,
    hint: become
      ? `check the permissions of ${file.path} and its folders on the node, or fix the path in the inventory`
      : 'set ssh.become: true in the inventory (deploy-tls then runs remote commands through sudo -n)',
  };
}
