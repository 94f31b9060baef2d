// The node image of a Debian release, in three layers, each tagged with the hash of its inputs so
// it is built once and rebuilt only when an input changes:
//   deploy-tls-base:<release>-<hash>   Debian packages only: mmdebstrap | docker import (no image
//                                      registry needed), or a registry's debian:<release>-slim
//   deploy-tls-hivemq:<hash>           HiveMQ CE jars from Maven Central + the launcher (built once)
//   deploy-tls-node:<release>-<hash>   base + HiveMQ's layout, unit, users, sshd settings
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { ImageName } from 'testcontainers';
import { DeployTlsError } from '../../../src/errors.js';
import { JAVA_OPTS } from '../broker.js';
import type { Log } from '../fleet-api.js';
import { aptInstall } from '../prerequisites.js';
import { nodePackages, type ReleaseName } from './releases.js';
import { runtimeClient } from './runtime.js';

/** Every image and container of the test bed carries it, so they are easy to find and remove. */
export const LABEL = 'deploy-tls.test-bed';
/** The release whose base builds the HiveMQ image (its JDK compiles the launcher for Java 17). */
const BUILDER_RELEASE: ReleaseName = 'bookworm';
/** Debian's folder for locally added CA certificates (update-ca-certificates(8)). */
const LOCAL_CA_DIR = '/usr/local/share/ca-certificates';

export interface ImageSources {
  /** scripts/sandbox/containers/image: Dockerfiles and the files every node gets. */
  imageDir: string;
  /** scripts/sandbox/hivemq: pom.xml, Launcher.java, logback.xml (shared with the namespace sandbox). */
  hivemqSources: string;
  /** Where build contexts and build logs go (.sandbox/cache/images). */
  workDir: string;
}

const shortHash = (parts: readonly (string | Buffer)[]): string => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(createHash('sha256').update(part).digest());
  return hash.digest('hex').slice(0, 12);
};

/** Relative path, mode and content of every file under dir, in a stable order. */
function treeDigest(dir: string): string[] {
  const parts: string[] = [];
  const walk = (sub: string) => {
    for (const name of readdirSync(path.join(dir, sub)).sort()) {
      const rel = path.join(sub, name);
      const stat = statSync(path.join(dir, rel));
      if (stat.isDirectory()) walk(rel);
      else
        parts.push(
          `${rel} ${(stat.mode & 0o777).toString(8)} ${createHash('sha256')
            .update(readFileSync(path.join(dir, rel)))
            .digest('hex')}`,
        );
    }
  };
  walk('');
  return parts;
}

async function imageExists(tag: string): Promise<boolean> {
  const client = await runtimeClient();
  return client.image.exists(ImageName.fromString(tag));
}

const onPath = (command: string) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command]).status === 0;

/** Builds `dockerfile` in `context` as `tag`, with the build's output in a log file. */
async function dockerBuild(
  context: string,
  dockerfile: string,
  tag: string,
  buildargs: Record<string, string>,
  logFile: string,
): Promise<void> {
  const client = await runtimeClient();
  const docker = client.container.dockerode;
  const files = readdirSync(context);
  const stream = await docker.buildImage(
    { context, src: files },
    {
      t: tag,
      dockerfile,
      buildargs,
      labels: { [LABEL]: 'image' },
      // apt and Maven Central are reached from the host's network: the engine needs no bridge.
      networkmode: 'host',
      rm: true,
      forcerm: true,
    },
  );
  const lines: string[] = [];
  const failure = await new Promise<string | undefined>((resolve) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null) => resolve(error?.message),
      (event: { stream?: string; error?: string }) => {
        if (event.stream !== undefined) lines.push(event.stream);
        if (event.error !== undefined) lines.push(`ERROR: ${event.error}\n`);
      },
    );
  });
  writeFileSync(logFile, lines.join(''));
  const error = failure ?? lines.find((line) => line.startsWith('ERROR: '));
  if (error !== undefined || !(await imageExists(tag))) {
    throw new DeployTlsError(`building ${tag} failed: ${error ?? 'no image'}`, {
      hint: `the build's output is in ${logFile}`,
    });
  }
}

/** Runs `producer | consumer` and fails with the stderr of whichever failed. */
function pipeline(producer: string[], consumer: string[], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const [pFile, ...pArgs] = producer;
    const [cFile, ...cArgs] = consumer;
    if (pFile === undefined || cFile === undefined) throw new Error('pipeline: empty argv');
    const left = spawn(pFile, pArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    const right = spawn(cFile, cArgs, { stdio: ['pipe', 'pipe', 'pipe'] });
    left.stdout.pipe(right.stdin);
    let output = '';
    for (const child of [left, right]) {
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
    }
    const codes: (number | null)[] = [];
    const done = (code: number | null) => {
      codes.push(code);
      if (codes.length < 2) return;
      writeFileSync(logFile, output);
      if (codes.every((c) => c === 0)) resolve();
      else
        reject(
          new DeployTlsError(
            `\`${producer[0]} | ${consumer[0]}\` failed: ${output.trim().split('\n').slice(-3).join(' ')}`,
            {
              hint: `the whole output is in ${logFile}`,
            },
          ),
        );
    };
    left.once('close', done);
    right.once('close', done);
    left.once('error', (error) => reject(error));
    right.once('error', (error) => reject(error));
  });
}

/** The release's Debian base with the node packages. */
async function ensureBase(release: ReleaseName, sources: ImageSources, log: Log): Promise<string> {
  const packages = nodePackages(release);
  // Without mmdebstrap (a laptop with only Docker), a registry's Debian image is the base; as root
  // on Debian, mmdebstrap comes from Debian first (no image registry is needed then).
  if (!onPath('mmdebstrap') && process.getuid?.() === 0 && onPath('apt-get'))
    await aptInstall(['mmdebstrap'], log);
  const provider = onPath('mmdebstrap') ? 'mmdebstrap' : 'registry';
  const dockerfile = readFileSync(path.join(sources.imageDir, 'Dockerfile.base'));
  const tag = `deploy-tls-base:${release}-${shortHash([provider, release, packages.join(','), ...(provider === 'registry' ? [dockerfile] : [])])}`;
  if (await imageExists(tag)) return tag;
  const logFile = path.join(sources.workDir, `${tag.replace(/[:/]/g, '_')}.log`);
  const started = Date.now();
  if (provider === 'mmdebstrap') {
    log(`building ${tag} from Debian packages (mmdebstrap ${release}, about 90 s)`);
    await pipeline(
      ['mmdebstrap', '--variant=minbase', `--include=${packages.join(',')}`, release, '-'],
      ['docker', 'import', '--change', 'CMD ["/sbin/init"]', '--change', `LABEL ${LABEL}=image`, '-', tag],
      logFile,
    );
  } else {
    log(`building ${tag} from the registry's debian:${release}-slim`);
    const context = path.join(sources.workDir, `base-${release}`);
    rmSync(context, { recursive: true, force: true });
    mkdirSync(context, { recursive: true });
    copyFileSync(path.join(sources.imageDir, 'Dockerfile.base'), path.join(context, 'Dockerfile'));
    await dockerBuild(
      context,
      'Dockerfile',
      tag,
      { RELEASE: release, PACKAGES: packages.join(' ') },
      logFile,
    );
  }
  log(`  ${tag} built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return tag;
}

async function ensureHiveMQImage(sources: ImageSources, log: Log): Promise<string> {
  const base = await ensureBase(BUILDER_RELEASE, sources, log);
  const context = path.join(sources.workDir, 'hivemq');
  rmSync(context, { recursive: true, force: true });
  mkdirSync(context, { recursive: true });
  copyFileSync(path.join(sources.imageDir, 'Dockerfile.hivemq'), path.join(context, 'Dockerfile'));
  for (const file of ['pom.xml', 'Launcher.java']) {
    copyFileSync(path.join(sources.hivemqSources, file), path.join(context, file));
  }
  const localCa = path.join(context, 'local-ca');
  mkdirSync(localCa);
  writeFileSync(path.join(localCa, 'README'), 'CA certificates of the building machine (*.crt)\n');
  if (existsSync(LOCAL_CA_DIR)) {
    for (const name of readdirSync(LOCAL_CA_DIR).filter((entry) => entry.endsWith('.crt'))) {
      copyFileSync(path.join(LOCAL_CA_DIR, name), path.join(localCa, name));
    }
  }
  const tag = `deploy-tls-hivemq:${shortHash([base, ...treeDigest(context)])}`;
  if (await imageExists(tag)) return tag;
  log(`building ${tag}: HiveMQ CE from Maven Central and the launcher (mvn, javac in ${base})`);
  const started = Date.now();
  await dockerBuild(context, 'Dockerfile', tag, { BASE: base }, path.join(sources.workDir, 'hivemq.log'));
  log(`  ${tag} built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return tag;
}

/** The node image for `release`, built (with its layers) only when an input changed. */
export async function ensureNodeImage(
  release: ReleaseName,
  sources: ImageSources,
  log: Log,
): Promise<string> {
  mkdirSync(sources.workDir, { recursive: true });
  const hivemq = await ensureHiveMQImage(sources, log);
  const base = await ensureBase(release, sources, log);
  const context = path.join(sources.workDir, `node-${release}`);
  rmSync(context, { recursive: true, force: true });
  mkdirSync(context, { recursive: true });
  copyFileSync(path.join(sources.imageDir, 'Dockerfile.node'), path.join(context, 'Dockerfile'));
  cpSync(path.join(sources.imageDir, 'rootfs'), path.join(context, 'rootfs'), { recursive: true });
  const runSh = path.join(context, 'rootfs', 'opt', 'hivemq', 'bin', 'run.sh');
  writeFileSync(runSh, readFileSync(runSh, 'utf8').replace('@JAVA_OPTS@', JAVA_OPTS.join(' ')));
  chmodSync(runSh, 0o755);
  mkdirSync(path.join(context, 'rootfs', 'opt', 'hivemq', 'conf'), { recursive: true });
  copyFileSync(
    path.join(sources.hivemqSources, 'logback.xml'),
    path.join(context, 'rootfs', 'opt', 'hivemq', 'conf', 'logback.xml'),
  );
  const tag = `deploy-tls-node:${release}-${shortHash([base, hivemq, ...treeDigest(context)])}`;
  if (await imageExists(tag)) return tag;
  log(`building ${tag}`);
  const started = Date.now();
  await dockerBuild(
    context,
    'Dockerfile',
    tag,
    { BASE: base, HIVEMQ: hivemq },
    path.join(sources.workDir, `node-${release}.log`),
  );
  log(`  ${tag} built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return tag;
}
