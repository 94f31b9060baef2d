// A Remote to one sandbox node, opened as the rollout opens it: the sandbox inventory's ssh
// settings, the connector (ssh config, strict host keys), no passwords needed.

import type { NodeLayout } from '../../../scripts/sandbox/layout.js';
import { loadInventory } from '../../../src/inventory/load.js';
import { createSshConnector, localContext } from '../../../src/remote/connector.js';
import type { Remote } from '../../../src/remote/remote.js';
import { sshTarget } from '../../../src/remote/target.js';
import { layout } from './fleet.js';

export async function connectNode(target: NodeLayout): Promise<Remote> {
  const inventory = await loadInventory(layout.inventory, process.env);
  const node = inventory.nodes.find((n) => n.name === target.name);
  if (!node) throw new Error(`${target.name} is not in ${layout.inventory}`);
  const connector = createSshConnector({ local: localContext(process.env), path: process.env.PATH ?? '' });
  return connector.connect(sshTarget(node, {}, false));
}
