#!/usr/bin/env node
// The `deploy-tls` executable: sizes libuv's thread pool, then runs the CLI (main.ts).
// crypto.generateKeyPair runs on that pool, whose default size is 4 threads, fixed at its first use
// (https://docs.libuv.org/en/v1.x/threadpool.html, UV_THREADPOOL_SIZE). Node's ES module loader
// already uses the pool to read the first module, so only a CommonJS entry can still size it: with
// one thread per core, `issue --inventory` and the rollout generate keys on every core.
const { availableParallelism } = require('node:os') as typeof import('node:os');

if (!process.env.UV_THREADPOOL_SIZE) {
  process.env.UV_THREADPOOL_SIZE = String(Math.max(4, availableParallelism()));
}
import('./main.js');
