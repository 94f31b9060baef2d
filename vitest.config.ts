import { defineConfig } from 'vitest/config';

// Three projects: pure unit tests, interop tests that run the real openssl/keytool/java on
// local files, and e2e tests that run the built CLI against the sandbox fleet.
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
          include: ['test/e2e/**/*.test.ts'],
          // One fleet for the whole project; `up` may install packages and fetch HiveMQ on first run.
          globalSetup: ['test/e2e/global-setup.ts'],
          hookTimeout: 600_000,
          testTimeout: 180_000,
          // The files share the brokers (restarts, config swaps): run them one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
