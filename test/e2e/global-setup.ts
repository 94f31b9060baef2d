// Brings the sandbox fleet up once for the whole e2e project. A fleet that was already up is used
// as is (a bigger one is not shrunk) and left up afterwards; a fleet this setup started goes down.
// Missing prerequisites (not root, no apt, no Maven Central) fail the suite with the reason.

import { down, status, up } from '../../scripts/sandbox/fleet.js';
import { DeployTlsError } from '../../src/errors.js';
import { E2E_NODES } from './support/fleet.js';

const log = (line: string) => console.log(`[sandbox] ${line}`);

export default async function setup(): Promise<() => Promise<void>> {
  const running = (await status()).filter((node) => node.sshListening && node.brokerPid !== undefined);
  const wasUp = running.length >= E2E_NODES;
  try {
    // `up` also repairs a partly running fleet (a node whose broker died, a missing sshd).
    await up({ nodes: Math.max(E2E_NODES, running.length), log });
  } catch (error) {
    if (!(error instanceof DeployTlsError)) throw error;
    throw new Error(
      `the e2e sandbox could not start: ${error.message}${error.hint ? ` → ${error.hint}` : ''}`,
      {
        cause: error,
      },
    );
  }
  return async () => {
    if (!wasUp) await down({ log });
  };
}
