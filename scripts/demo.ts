// npm run demo: the main job on the local test bed (a container fleet where a Docker engine answers,
// else the namespace sandbox; DEPLOY_TLS_FLEET chooses). Brings up three real HiveMQ nodes behind
// real sshd, creates the CA (first time only), rolls mutual TLS out with the built CLI exactly as a
// user would, then verifies every node. Passwords come from the fleet's 0600 files via the inventory.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DeployTlsError } from '../src/errors.js';
import { DEFAULT_NODES, sandboxLayout } from './sandbox/layout.js';
import { fleetStatusLines } from './sandbox/report.js';
import { openFleet } from './sandbox/select.js';

const log = (line: string) => console.log(line);
const layout = sandboxLayout();
const cli = path.join(layout.repoRoot, 'dist', 'cli', 'main.js');

/** Runs deploy-tls as a user would, showing the command and its output; false on a non-zero exit. */
function deployTls(args: string[]): boolean {
  log(`\n$ deploy-tls ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' });
  return result.status === 0;
}

try {
  const fleet = openFleet();
  const nodes = await fleet.up({ nodes: DEFAULT_NODES, log });
  log('');
  for (const line of fleetStatusLines(fleet.id, await fleet.status())) log(line);
  const inventory = path.relative(process.cwd(), fleet.paths.inventory);
  const ok =
    (existsSync(fleet.paths.pkiDir) || deployTls(['ca', 'init', '--inventory', inventory])) &&
    deployTls(['plan', '--inventory', inventory]) &&
    deployTls(['--inventory', inventory]) &&
    deployTls(['verify', '--inventory', inventory]);
  log('');
  log(
    ok
      ? `✔ ${nodes.length} HiveMQ nodes serve mutual TLS; run it again: nothing changes.`
      : '✖ the demo failed: see above',
  );
  log(
    `  try: npm run sandbox -- status | deploy-tls ca show --ca-dir ${path.relative(process.cwd(), fleet.paths.pkiDir)} | npm run sandbox -- down`,
  );
  process.exitCode = ok ? 0 : 1;
} catch (error) {
  if (!(error instanceof DeployTlsError)) throw error;
  console.error(`✖ ${error.message}`);
  if (error.hint !== undefined) console.error(`→ ${error.hint}`);
  process.exitCode = error.exitCode;
}
