// Files on a fleet node, read and written as root through Fleet.exec, the same way on every kind
// of fleet. Paths travel as arguments of `sh -c 'script' sh PATH…` and contents on stdin, so
// nothing is interpolated into a script and no file content (config.xml holds passwords) shows
// in a process list.
import type { Fleet, FleetNode, NodeExecResult } from './fleet-api.js';

async function sh(
  fleet: Fleet,
  node: FleetNode,
  script: string,
  args: string[],
  input?: Buffer | string,
): Promise<NodeExecResult> {
  return fleet.exec(node, ['sh', '-c', script, 'sh', ...args], input);
}

function failed(node: FleetNode, what: string, result: NodeExecResult): Error {
  return new Error(`${node.name}: ${what} failed (exit ${result.code}): ${result.stderr.trim()}`);
}

export async function readNodeFile(fleet: Fleet, node: FleetNode, path: string): Promise<Buffer> {
  const result = await fleet.exec(node, ['cat', '--', path]);
  if (result.code !== 0) throw failed(node, `reading ${path}`, result);
  return result.stdout;
}

export async function nodeFileSize(fleet: Fleet, node: FleetNode, path: string): Promise<number> {
  const result = await sh(fleet, node, 'if [ -e "$1" ]; then stat -c %s "$1"; else echo 0; fi', [path]);
  if (result.code !== 0) throw failed(node, `stat ${path}`, result);
  return Number(result.stdout.toString().trim());
}

export interface WriteOptions {
  /** e.g. 0o640; with `owner`, the file is replaced by a new one with these. */
  mode?: number;
  /** user:group */
  owner?: string;
}

/**
 * Writes a file on the node. Without options an existing file keeps its owner and mode (it is
 * rewritten in place, as an editor would); with them it gets exactly those.
 */
export async function writeNodeFile(
  fleet: Fleet,
  node: FleetNode,
  path: string,
  data: Buffer | string,
  options: WriteOptions = {},
): Promise<void> {
  const script = [
    'set -e',
    'mkdir -p "$(dirname "$1")"',
    'cat > "$1"',
    'if [ -n "$2" ]; then chmod "$2" "$1"; fi',
    'if [ -n "$3" ]; then chown "$3" "$1"; fi',
  ].join('\n');
  const mode = options.mode === undefined ? '' : options.mode.toString(8);
  const result = await sh(fleet, node, script, [path, mode, options.owner ?? ''], data);
  if (result.code !== 0) throw failed(node, `writing ${path}`, result);
}

/** Removes everything inside `dir` (the folder itself stays); a missing folder is fine. */
export async function emptyNodeDir(fleet: Fleet, node: FleetNode, dir: string): Promise<void> {
  const result = await sh(fleet, node, 'if [ -d "$1" ]; then find "$1" -mindepth 1 -delete; fi', [dir]);
  if (result.code !== 0) throw failed(node, `emptying ${dir}`, result);
}

/** Relative path → sha256 of every file under `dir`: proof that a command changed nothing. */
export async function nodeTreeHashes(
  fleet: Fleet,
  node: FleetNode,
  dir: string,
): Promise<Record<string, string>> {
  const script = 'if [ -d "$1" ]; then cd "$1" && find . -type f -exec sha256sum {} +; fi';
  const result = await sh(fleet, node, script, [dir]);
  if (result.code !== 0) throw failed(node, `hashing ${dir}`, result);
  const hashes: Record<string, string> = {};
  for (const line of result.stdout.toString().split('\n')) {
    const match = /^([0-9a-f]{64}) [ *]\.\/(.+)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) hashes[match[2]] = match[1];
  }
  return Object.fromEntries(Object.entries(hashes).sort(([a], [b]) => a.localeCompare(b)));
}
