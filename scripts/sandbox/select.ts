// Which fleet runs: DEPLOY_TLS_FLEET=namespace | container | container:<release>. Unset, a
// container fleet of the default release when a Docker engine answers, else the namespace
// sandbox (root on a Debian machine, no Docker needed).
import { DeployTlsError, ExitCode } from '../../src/errors.js';
import { engineAnswersSync } from './containers/engine.js';
import { containerFleet } from './containers/fleet.js';
import { DEFAULT_RELEASE, isRelease, RELEASES } from './containers/releases.js';
import type { Fleet } from './fleet-api.js';
import { namespaceFleet } from './namespace-fleet.js';

export const FLEET_ENV = 'DEPLOY_TLS_FLEET';

const choices = () => ['namespace', ...Object.keys(RELEASES).map((release) => `container:${release}`)];

/** The fleet id for `value` (`container` alone is the default release); throws on anything else. */
export function parseFleetId(value: string): string {
  const id = value === 'container' ? `container:${DEFAULT_RELEASE}` : value;
  if (!choices().includes(id)) {
    throw new DeployTlsError(`${FLEET_ENV}="${value}" is not a fleet`, {
      hint: `use one of: ${choices().join(', ')}`,
      exitCode: ExitCode.usage,
    });
  }
  return id;
}

/** The fleet id the environment selects, deciding "auto" (unset) once. */
export function selectedFleetId(env: NodeJS.ProcessEnv = process.env): string {
  const value = env[FLEET_ENV];
  if (value !== undefined && value !== '' && value !== 'auto') return parseFleetId(value);
  return engineAnswersSync() ? `container:${DEFAULT_RELEASE}` : 'namespace';
}

export function openFleet(id: string = selectedFleetId()): Fleet {
  const parsed = parseFleetId(id);
  if (parsed === 'namespace') return namespaceFleet();
  const release = parsed.slice('container:'.length);
  if (!isRelease(release)) throw new Error(`unreachable: ${parsed}`);
  return containerFleet(release);
}
