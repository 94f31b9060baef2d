// Probes: a command to run on a node plus a pure parser of its output, tested with recorded
// output. One round trip reads every file a plan needs, with its mode and owner.
import { shellQuote } from './remote.js';

export interface Probe<T> {
  command: string;
  parse(stdout: string): T;
}

export interface RemoteFile {
  path: string;
  exists: boolean;
  mode?: number;
  owner?: string;
  group?: string;
  data?: Uint8Array;
}

const MARK = '==deploy-tls==';

/** Reads files (base64) with stat data in one command; a missing file is reported, not an error. */
export function readFilesProbe(paths: readonly string[]): Probe<Map<string, RemoteFile>> {
  const command = paths
    .map((path) => {
      const q = shellQuote(path);
      return `if [ -f ${q} ]; then echo "${MARK} $(stat -c '%a %U %G' ${q}) ${q}"; base64 -w0 < ${q}; echo; else echo "${MARK} missing ${q}"; fi`;
    })
    .join('\n');
  return { command, parse: (stdout) => parseReadFiles(stdout, paths) };
}

export function parseReadFiles(stdout: string, paths: readonly string[]): Map<string, RemoteFile> {
  const files = new Map<string, RemoteFile>();
  const lines = stdout.split('\n');
  let index = 0;
  for (const path of paths) {
    const header = lines[index++];
    if (!header?.startsWith(MARK)) throw new Error(`unexpected probe output for ${path}: "${header}"`);
    const fields = header.slice(MARK.length + 1).split(' ');
    if (fields[0] === 'missing') {
      files.set(path, { path, exists: false });
      continue;
    }
    const [mode, owner, group] = fields;
    const body = lines[index++] ?? '';
    files.set(path, {
      path,
      exists: true,
      mode: Number.parseInt(mode ?? '0', 8),
      owner,
      group,
      data: new Uint8Array(Buffer.from(body, 'base64')),
    });
  }
  return files;
}
