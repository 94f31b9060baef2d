// Puts fleet nodes back to "plain": the stock config.xml, nothing in /etc/ssl/hivemq, and a
// restarted broker serving plain MQTT. Rollout tests start from here.
import { stockConfigXml } from '../../../scripts/sandbox/broker.js';
import type { FleetNode } from '../../../scripts/sandbox/fleet-api.js';
import { emptyNodeDir } from '../../../scripts/sandbox/node-files.js';
import { fleet, NODE_PATHS, restartBroker, waitUntilMqttAccepts, writeFile } from './fleet.js';

export async function resetToPlain(targets: readonly FleetNode[]): Promise<void> {
  await Promise.all(
    targets.map(async (target) => {
      await writeFile(target, NODE_PATHS.configXml, stockConfigXml(target));
      await emptyNodeDir(fleet, target, NODE_PATHS.ssl);
      await restartBroker(target);
      await waitUntilMqttAccepts(target);
    }),
  );
}
