// node --import ./record-modules.mjs …: appends every module the process loads to the file named by
// DEPLOY_TLS_RECORD_MODULES, one file: URL a line. ES modules (and CommonJS ones they import) are
// seen by a loader hook as they load; CommonJS modules required from CommonJS bypass that hook in
// Node 20, so require's cache is added at exit. Used to prove what a command does not load.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const file = process.env.DEPLOY_TLS_RECORD_MODULES;
if (!file) throw new Error('record-modules.mjs needs DEPLOY_TLS_RECORD_MODULES=<file>');
register('./record-modules-hooks.mjs', import.meta.url, { data: { file } });
const { cache } = createRequire(import.meta.url);
process.on('exit', () => {
  const required = Object.keys(cache).map((path) => `${pathToFileURL(path).href}\n`);
  appendFileSync(file, required.join(''));
});
