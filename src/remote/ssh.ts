// connectSsh: what the rollout calls today to reach a node. It delegates to one connector for the
// whole process (so nodes behind one jump host share the connection to it), built from this
// process's user, home and PATH. A caller that runs several fleets or wants its own lifetime
// creates a connector with createSshConnector() instead.
import { createSshConnector, localContext, type SshConnector } from './connector.js';
import type { Remote } from './remote.js';
import type { SshTarget } from './target.js';

export type { SshTarget } from './target.js';

let shared: SshConnector | undefined;

export function connectSsh(target: SshTarget): Promise<Remote> {
  shared ??= createSshConnector({
    local: localContext(process.env),
    path: process.env.PATH ?? '/usr/bin:/bin',
  });
  return shared.connect(target);
}
