// The node_exporter textfile: written whole, atomically, merged with what earlier runs wrote.
//
// Why read-merge the file itself rather than keep a state file: the textfile is the one place both
// `status` and `rotate` already write, it may live on another machine's collector folder than the CA,
// and a second file could disagree with it. What is kept is parsed back sample by sample and rendered
// again, so a damaged or edited file can add nothing but well-formed series of our own families.
// A lock file next to it serialises read-merge-write between a timer's rotate and a cron's status,
// which would otherwise drop each other's last-run series.
import { open, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { DeployTlsError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../pki/files.js';
import { formatExposition } from './exposition.js';
import { type MetricsInput, metricFamilies, previousSamples } from './fleet.js';

// node_exporter runs as its own user and must read the file; nothing in it is secret.
const TEXTFILE_MODE = 0o644;
const LOCK_WAIT_MS = 10_000;
const LOCK_POLL_MS = 50;
// A run holds the lock for milliseconds; one older than this belongs to a killed process.
const STALE_LOCK_MS = 60_000;

export interface TextfileDeps {
  sleep(ms: number): Promise<void>;
  now(): Date;
}

const defaultDeps: TextfileDeps = {
  sleep: (ms) => new Promise((done) => setTimeout(done, ms)),
  now: () => new Date(),
};

/** Refuses a path node_exporter would not read or that cannot be written, before a long run starts. */
export async function checkTextfilePath(path: string): Promise<void> {
  // node_exporter reads only *.prom; another name would be silently ignored.
  if (!basename(path).endsWith('.prom')) {
    throw new UsageError(`${path}: node_exporter's textfile collector reads only files named *.prom`, {
      hint: 'name the file e.g. deploy-tls.prom, in the folder given to --collector.textfile.directory',
    });
  }
  await stat(dirname(path)).catch((cause) => {
    throw new UsageError(`cannot write ${path}: the folder ${dirname(path)} does not exist`, {
      hint: "create it, or point at node_exporter's --collector.textfile.directory",
      cause,
    });
  });
}

/** Renders `input` merged with the file's current series and replaces the file (temp + rename). */
export async function updateTextfile(
  path: string,
  input: MetricsInput,
  deps: TextfileDeps = defaultDeps,
): Promise<string> {
  await checkTextfilePath(path);
  const release = await lock(`${path}.lock`, deps);
  try {
    const existing = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    const text = formatExposition(metricFamilies(input, previousSamples(existing)));
    await writeFileAtomic(path, text, TEXTFILE_MODE);
    return text;
  } finally {
    await release();
  }
}

async function lock(path: string, deps: TextfileDeps): Promise<() => Promise<void>> {
  const deadline = deps.now().getTime() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o644);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return () => rm(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const held = await stat(path).catch(() => undefined);
    if (held && deps.now().getTime() - held.mtimeMs > STALE_LOCK_MS) {
      await rm(path, { force: true });
      continue;
    }
    if (deps.now().getTime() > deadline) {
      throw new DeployTlsError(`${path} has been held for ${LOCK_WAIT_MS / 1000} s`, {
        hint: 'another deploy-tls run is writing the metrics file; remove the lock file if none is',
      });
    }
    await deps.sleep(LOCK_POLL_MS);
  }
}
