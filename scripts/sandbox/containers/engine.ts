// The Docker engine the container fleet needs. One that answers is used as it is (Docker Desktop,
// a system service, DOCKER_HOST); on a machine where Debian's docker.io is installed but no daemon
// runs (CI, this kind of machine: no init system starts it), root gets one started here,
// idempotently: a second call finds it answering.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import http from 'node:http';
import { DeployTlsError } from '../../../src/errors.js';
import type { Log } from '../fleet-api.js';
import { aptInstall } from '../prerequisites.js';
import { waitFor } from '../processes.js';

const SOCKET = '/var/run/docker.sock';
export const DOCKERD_LOG = '/var/log/deploy-tls-dockerd.log';

/** GET /_ping on the engine's unix socket: "OK" when a daemon serves it. */
function ping(socketPath: string, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get({ socketPath, path: '/_ping', timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(false));
  });
}

const onPath = (command: string) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command]).status === 0;

/** True when a Docker engine answers (without starting one): the automatic fleet choice. */
export function engineAnswersSync(): boolean {
  if (!onPath('docker')) return false;
  return (
    spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: 10_000 }).status === 0
  );
}

export async function ensureEngine(log: Log): Promise<void> {
  // Another engine named by the environment is the user's to run.
  if (process.env.DOCKER_HOST !== undefined || (await ping(SOCKET))) return;
  // On a Debian machine as root the engine comes from Debian, as the namespace sandbox's packages do.
  if (process.getuid?.() === 0 && !onPath('dockerd') && onPath('apt-get'))
    await aptInstall(['docker.io'], log);
  if (process.getuid?.() !== 0 || !onPath('dockerd')) {
    throw new DeployTlsError('no Docker engine answers', {
      hint: 'start Docker; as root on Debian `apt-get install docker.io` is enough (the fleet starts dockerd); or use DEPLOY_TLS_FLEET=namespace',
    });
  }
  log(`starting dockerd (log: ${DOCKERD_LOG})`);
  const logFd = openSync(DOCKERD_LOG, 'a');
  try {
    // Every node and build uses the host's network, so the engine needs no bridge and no NAT
    // rules: it leaves this machine's network as it found it.
    const child = spawn('dockerd', ['--bridge=none', '--iptables=false', '--ip-forward=false'], {
      detached: true,
      stdio: ['ignore', logFd, logFd],
    });
    child.unref();
  } finally {
    closeSync(logFd);
  }
  await waitFor(
    `dockerd to answer on ${SOCKET} (see ${DOCKERD_LOG})`,
    async () => (await ping(SOCKET)) || undefined,
    {
      timeoutMs: 60_000,
      intervalMs: 250,
    },
  );
}
