// The e2e suite once per test-bed fleet, as `npm test` runs it: every fleet the project supports
// is tested, each on its own (they share no state). DEPLOY_TLS_TEST_FLEETS (a comma list) narrows
// it, e.g. to `namespace` on a machine without a Docker engine.
import { spawnSync } from 'node:child_process';

const fleets = (process.env.DEPLOY_TLS_TEST_FLEETS ?? 'namespace,container:bookworm,container:trixie')
  .split(',')
  .map((fleet) => fleet.trim())
  .filter(Boolean);
const started = Date.now();
const failed: string[] = [];
for (const fleet of fleets) {
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  console.log(`\n▶ e2e tests on ${fleet} (${minutes} min so far)`);
  const result = spawnSync('npx', ['vitest', 'run', '--project', 'e2e'], {
    stdio: 'inherit',
    env: { ...process.env, DEPLOY_TLS_FLEET: fleet },
  });
  if (result.status !== 0) failed.push(fleet);
}
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
if (failed.length > 0) {
  console.error(`\n✖ e2e failed on ${failed.join(', ')} (${minutes} min)`);
  process.exit(1);
}
console.log(`\n✔ e2e passed on ${fleets.join(', ')} (${minutes} min)`);
