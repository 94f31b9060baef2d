// Tools nobody here wrote that some tests check our output with (promtool, chromium): installed from
// Debian on first use, as the sandbox installs its own, so a fresh CI machine needs nothing by hand.
import { spawnSync } from 'node:child_process';
import { aptInstall } from '../../scripts/sandbox/prerequisites.js';

function which(command: string): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/** The absolute path of `command`, installing `aptPackage` when it is missing. */
export async function requireTool(command: string, aptPackage: string): Promise<string> {
  const present = which(command);
  if (present) return present;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${command} is missing: install the Debian package ${aptPackage} (or run the tests as root)`,
    );
  }
  await aptInstall([aptPackage], (line) => process.stderr.write(`${line}\n`));
  const installed = which(command);
  if (!installed) throw new Error(`${aptPackage} was installed but ${command} is still not on PATH`);
  return installed;
}
