// npm run demo: builds deploy-tls (package.json runs `npm run build` first), brings the sandbox fleet
// up and shows its status. The rollout issue extends this to a full deploy against the fleet.
import { DeployTlsError } from '../src/errors.js';
import { status, up } from './sandbox/fleet.js';
import { DEFAULT_NODES, sandboxLayout } from './sandbox/layout.js';
import { statusLines, usageLines } from './sandbox/report.js';

const log = (line: string) => console.log(line);
const layout = sandboxLayout();

try {
  const fleet = await up({ nodes: DEFAULT_NODES, log, layout });
  for (const line of usageLines(layout, fleet.nodes, fleet.sshPort)) log(line);
  log('');
  for (const line of statusLines(await status({ layout }))) log(line);
  log('');
  log('stop it with: npm run sandbox -- down');
} catch (error) {
  if (!(error instanceof DeployTlsError)) throw error;
  console.error(`✖ ${error.message}`);
  if (error.hint !== undefined) console.error(`→ ${error.hint}`);
  process.exitCode = error.exitCode;
}
