import { defineConfig } from 'vitest/config';

// Three projects: pure unit tests, interop tests that run the real openssl/keytool/java on
// local files, and e2e tests that run the built CLI against the sandbox fleet.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { name: 'interop', include: ['test/interop/**/*.test.ts'], testTimeout: 120_000 } },
    ],
  },
});
