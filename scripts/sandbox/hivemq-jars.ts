// HiveMQ CE from Maven Central, the launcher around EmbeddedHiveMQ, and HiveMQ's config.xsd,
// all built once into the cache and reused by every `up`.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { DeployTlsError } from '../../src/errors.js';
import type { SandboxLayout } from './layout.js';

const ARTIFACT = 'hivemq-community-edition-embedded';

/** The HiveMQ version pinned in scripts/sandbox/hivemq/pom.xml. */
export function pinnedHiveMQVersion(layout: SandboxLayout): string {
  const pom = readFileSync(path.join(layout.hivemqSources, 'pom.xml'), 'utf8');
  const match = new RegExp(`<artifactId>${ARTIFACT}</artifactId>\\s*<version>([^<]+)</version>`).exec(pom);
  if (match?.[1] === undefined) throw new Error(`no ${ARTIFACT} version in scripts/sandbox/hivemq/pom.xml`);
  return match[1];
}

export function hivemqJar(layout: SandboxLayout): string {
  return path.join(layout.hivemqLib, `${ARTIFACT}-${pinnedHiveMQVersion(layout)}.jar`);
}

async function copyDependencies(layout: SandboxLayout, log: (line: string) => void): Promise<void> {
  const version = pinnedHiveMQVersion(layout);
  log(`fetching HiveMQ CE ${version} and its dependencies from Maven Central (mvn)`);
  const pom = path.join(layout.hivemqSources, 'pom.xml');
  const result = await $({ nothrow: true, quiet: true })`mvn -B -q -f ${pom} dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory=${layout.hivemqLib}`;
  if (result.exitCode !== 0) {
    const errors = result.stdout
      .split('\n')
      .filter((line) => line.includes('[ERROR]'))
      .slice(0, 3)
      .join(' ');
    throw new DeployTlsError(
      `mvn could not fetch com.hivemq:${ARTIFACT}:${version}: ${errors || result.stderr}`,
      {
        hint: 'check that Maven Central (repo.maven.apache.org) is reachable; ~/.m2/settings.xml may name a mirror',
      },
    );
  }
}

function newestMtime(dir: string): number {
  return Math.max(0, ...readdirSync(dir).map((name) => statSync(path.join(dir, name)).mtimeMs));
}

async function compileLauncher(layout: SandboxLayout, log: (line: string) => void): Promise<void> {
  const source = path.join(layout.hivemqSources, 'Launcher.java');
  const compiled = path.join(layout.launcherClasses, 'deploytls', 'sandbox', 'Launcher.class');
  if (existsSync(compiled) && statSync(compiled).mtimeMs >= statSync(source).mtimeMs) return;
  log('compiling the HiveMQ launcher (javac)');
  mkdirSync(layout.launcherClasses, { recursive: true });
  const classpath = path.join(layout.hivemqLib, '*');
  await $({ quiet: true })`javac --release 17 -cp ${classpath} -d ${layout.launcherClasses} ${source}`;
}

async function extractConfigXsd(layout: SandboxLayout): Promise<void> {
  if (existsSync(layout.configXsd) && statSync(layout.configXsd).mtimeMs >= newestMtime(layout.hivemqLib))
    return;
  // `jar x` writes into the working directory, which is the cache folder.
  await $({ quiet: true, cwd: layout.cache })`jar xf ${hivemqJar(layout)} config.xsd`;
}

/** Classpath for the broker JVM: the launcher's classes, then every jar in the cache. */
export function brokerClasspath(layout: SandboxLayout): string {
  return `${layout.launcherClasses}:${path.join(layout.hivemqLib, '*')}`;
}

export async function ensureHiveMQ(layout: SandboxLayout, log: (line: string) => void): Promise<void> {
  if (!existsSync(hivemqJar(layout))) {
    // Another pinned version's jars would end up on the same classpath: start from an empty folder.
    rmSync(layout.hivemqLib, { recursive: true, force: true });
    mkdirSync(layout.hivemqLib, { recursive: true });
    await copyDependencies(layout, log);
  }
  await compileLauncher(layout, log);
  await extractConfigXsd(layout);
}
