// The namespace sandbox's own view for the tests that need it (this machine's folders behind each
// node, the audited key in the sandbox's authorized_keys): they run on that fleet only.
import { type NodeLayout, nodeLayout, sandboxLayout } from '../../../scripts/sandbox/layout.js';
import { E2E_NODES, fleet } from '../support/fleet.js';

if (fleet.id !== 'namespace')
  throw new Error(`test/e2e/namespace/ runs on the namespace fleet, not ${fleet.id}`);

export const layout = sandboxLayout();
export const nodes: NodeLayout[] = Array.from({ length: E2E_NODES }, (_, i) => nodeLayout(layout, i + 1));

export function node(index: number): NodeLayout {
  const found = nodes[index - 1];
  if (found === undefined) throw new Error(`the e2e fleet has no node ${index}`);
  return found;
}
