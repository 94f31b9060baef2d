// HiveMQ CE's own config.xsd, and xmllint to validate config.xml files against it: the schema comes
// from the same jar the sandbox runs, so "valid" means what the broker we test against accepts.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACT = 'hivemq-community-edition-embedded';
const M2_DIR = join(homedir(), '.m2', 'repository', 'com', 'hivemq', ARTIFACT);
/** Used when scripts/sandbox/hivemq/pom.xml (which pins the sandbox's HiveMQ) is not there. */
const FALLBACK_VERSION = '2025.5';

/**
 * Path of HiveMQ CE's config.xsd: the sandbox's extracted copy, else extracted from the jar in
 * ~/.m2, else fetched with mvn first. Throws with the next step when none of that works.
 */
export function hivemqConfigXsd(): string {
  const sandboxCopy = join(ROOT, '.sandbox', 'cache', 'config.xsd');
  if (existsSync(sandboxCopy)) return sandboxCopy;

  const version = pinnedVersion();
  const extracted = join(tmpdir(), `deploy-tls-hivemq-${version}`, 'config.xsd');
  if (existsSync(extracted)) return extracted;
  const local = jarInM2(version);
  const jar = local ?? fetchJar(version);
  try {
    mkdirSync(join(extracted, '..'), { recursive: true });
    // The jar keeps config.xsd at its root (`unzip -l` shows it next to config.xml).
    writeFileSync(
      extracted,
      run('unzip', ['-p', jar, 'config.xsd'], 'unzip is needed: apt-get install -y unzip'),
    );
  } finally {
    if (local === undefined) rmSync(join(jar, '..'), { recursive: true, force: true });
  }
  return extracted;
}

/** HiveMQ CE's jar (the pinned version's, else the newest Maven has), fetched with mvn when missing. */
export function hivemqCeJar(): string {
  const version = pinnedVersion();
  return jarInM2(version) ?? fetchJar(version);
}

/** Fails (never skips) when xmllint is missing: the check it makes is the point of the test. */
export function requireXmllint(): void {
  const probe = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0)
    throw new Error(
      'xmllint is missing: install it with `apt-get update && apt-get install -y libxml2-utils`',
    );
}

export interface XmllintResult {
  valid: boolean;
  output: string;
}

export function validateAgainstXsd(xsd: string, file: string): XmllintResult {
  const result = spawnSync('xmllint', ['--noout', '--schema', xsd, file], { encoding: 'utf8' });
  if (result.error) throw result.error;
  return { valid: result.status === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

function pinnedVersion(): string {
  const pom = join(ROOT, 'scripts', 'sandbox', 'hivemq', 'pom.xml');
  if (!existsSync(pom)) return FALLBACK_VERSION;
  const match = new RegExp(`<artifactId>${ARTIFACT}</artifactId>\\s*<version>([^<]+)</version>`).exec(
    readFileSync(pom, 'utf8'),
  );
  return match?.[1] ?? FALLBACK_VERSION;
}

/** The pinned version's jar, else the newest one Maven already has. */
function jarInM2(version: string): string | undefined {
  const jarOf = (v: string) => join(M2_DIR, v, `${ARTIFACT}-${v}.jar`);
  if (existsSync(jarOf(version))) return jarOf(version);
  if (!existsSync(M2_DIR)) return undefined;
  const versions = readdirSync(M2_DIR)
    .filter((v) => existsSync(jarOf(v)))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const newest = versions.at(-1);
  return newest === undefined ? undefined : jarOf(newest);
}

function fetchJar(version: string): string {
  const out = mkdtempSync(join(tmpdir(), 'deploy-tls-hivemq-jar-'));
  run(
    'mvn',
    [
      '-B',
      '-q',
      'dependency:copy',
      `-Dartifact=com.hivemq:${ARTIFACT}:${version}`,
      `-DoutputDirectory=${out}`,
    ],
    `no ${ARTIFACT} jar in ${M2_DIR} and mvn could not fetch it: install maven and check that Maven Central is reachable`,
  );
  const jar = join(out, `${ARTIFACT}-${version}.jar`);
  if (!existsSync(jar)) {
    rmSync(out, { recursive: true, force: true });
    throw new Error(`mvn dependency:copy did not produce ${jar}`);
  }
  return jar;
}

function run(command: string, args: string[], hint: string): Buffer {
  const result = spawnSync(command, args, { maxBuffer: 64 * 1024 * 1024 });
  if (result.error || result.status !== 0)
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.error?.message ?? result.stderr.toString().trim()}): ${hint}`,
    );
  return result.stdout;
}
