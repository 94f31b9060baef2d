import { defineConfig } from 'vitest/config';
import { FLEET_ENV, selectedFleetId } from './scripts/sandbox/select.js';

// Three projects: pure unit tests, interop tests that run the real openssl/keytool/java on
// local files, and e2e tests that run the built CLI against the test-bed fleet.
//
// The e2e fleet is chosen once here (DEPLOY_TLS_FLEET, else a container fleet where a Docker engine
// answers, else the namespace sandbox) and handed to global setup and the test workers. Every
// test/e2e/*.test.ts runs on every fleet; test/e2e/namespace/ and test/e2e/container/ hold what only
// that kind of fleet has, and run on it alone: CI runs the suite once per fleet, so each runs.
const fleet = selectedFleetId();
process.env[FLEET_ENV] = fleet;
const fleetOnly = fleet === 'namespace' ? 'test/e2e/namespace/*.test.ts' : 'test/e2e/container/*.test.ts';

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'interop',
          include: ['test/interop/**/*.test.ts'],
          testTimeout: 120_000,
          // beforeAll hooks make CAs (two RSA-4096 keys): seconds on an idle machine, more on a busy one.
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/*.test.ts', fleetOnly],
          // One fleet for the whole project; `up` may build images, install packages and fetch
          // HiveMQ on first run.
          globalSetup: ['test/e2e/global-setup.ts'],
          hookTimeout: 900_000,
          testTimeout: 180_000,
          // The files share the brokers (restarts, config swaps): run them one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
