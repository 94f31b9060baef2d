// Puts sandbox nodes back to "plain": the stock config.xml, nothing in /etc/ssl/hivemq, and a
// restarted broker serving plain MQTT. Rollout tests start from here.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stockConfigXml } from '../../../scripts/sandbox/broker.js';
import type { NodeLayout } from '../../../scripts/sandbox/layout.js';
import { sshOk, waitUntilMqttAccepts } from './fleet.js';

export async function resetToPlain(targets: readonly NodeLayout[]): Promise<void> {
  await Promise.all(
    targets.map(async (target) => {
      writeFileSync(path.join(target.homeDir, 'conf', 'config.xml'), stockConfigXml(target));
      for (const entry of readdirSync(target.sslDir))
        rmSync(path.join(target.sslDir, entry), { recursive: true, force: true });
      await sshOk(target, '/opt/hivemq/bin/hivemq-service restart', 90_000);
      await waitUntilMqttAccepts(target);
    }),
  );
}
