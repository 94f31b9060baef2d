// Brings the selected fleet (DEPLOY_TLS_FLEET) up once for the whole e2e project. A fleet that was
// already up is used as is (a bigger one is not shrunk) and left up afterwards; a fleet this setup
// started goes down. Missing prerequisites (no Docker engine, not root, no apt, no Maven Central)
// fail the suite with the reason.

import { DeployTlsError } from '../../src/errors.js';
import { E2E_NODES, fleet } from './support/fleet.js';

const log = (line: string) => console.log(`[${fleet.id}] ${line}`);

export default async function setup(): Promise<() => Promise<void>> {
  const running = (await fleet.status().catch(() => [])).filter(
    (node) => node.sshBanner !== undefined && node.brokerPid !== undefined,
  );
  const wasUp = running.length >= E2E_NODES;
  const started = Date.now();
  try {
    // `up` also repairs a partly running fleet (a node whose broker died, a missing sshd).
    await fleet.up({ nodes: Math.max(E2E_NODES, running.length), log });
  } catch (error) {
    if (!(error instanceof DeployTlsError)) throw error;
    throw new Error(
      `the e2e fleet ${fleet.id} could not start: ${error.message}${error.hint ? ` → ${error.hint}` : ''}`,
      { cause: error },
    );
  }
  log(`up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return async () => {
    if (!wasUp) await fleet.down({ log });
  };
}
