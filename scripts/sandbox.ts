// npm run sandbox -- up [--nodes N] [--ssh-port P] | down | status
// A real HiveMQ fleet on one machine for the demo and the e2e tests: see DESIGN.md "The sandbox".
import { parseArgs } from 'node:util';
import { DeployTlsError, ExitCode } from '../src/errors.js';
import { down, status, up } from './sandbox/fleet.js';
import { DEFAULT_NODES, sandboxLayout } from './sandbox/layout.js';
import { reachUp } from './sandbox/reach.js';
import { statusLines, usageLines } from './sandbox/report.js';

const USAGE = 'usage: npm run sandbox -- up [--nodes N] [--ssh-port P] [--reach] | down | status';

function integerFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw new DeployTlsError(`--${name} must be a number, got "${value}"`, {
      hint: USAGE,
      exitCode: ExitCode.usage,
    });
  return Number(value);
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { nodes: { type: 'string' }, 'ssh-port': { type: 'string' }, reach: { type: 'boolean' } },
  });
  const log = (line: string) => console.log(line);
  const layout = sandboxLayout();
  switch (positionals[0]) {
    case 'up': {
      const started = Date.now();
      const sshPort = integerFlag('ssh-port', values['ssh-port']);
      const fleet = await up({
        nodes: integerFlag('nodes', values.nodes) ?? DEFAULT_NODES,
        sshPort,
        log,
        layout,
      });
      for (const line of usageLines(layout, fleet.nodes, fleet.sshPort)) log(line);
      if (values.reach) {
        const reach = await reachUp(layout, log);
        log(`reach test bed: jump hosts and bastion-only nodes, inventory ${reach.inventory}`);
      }
      log(`  took ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return;
    }
    case 'down':
      await down({ log, layout });
      log('sandbox down');
      return;
    case 'status':
      for (const line of statusLines(await status({ layout }))) log(line);
      return;
    default:
      throw new DeployTlsError(
        positionals[0] === undefined ? 'no command given' : `unknown command "${positionals[0]}"`,
        {
          hint: USAGE,
          exitCode: ExitCode.usage,
        },
      );
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof DeployTlsError) {
    console.error(`✖ ${error.node === undefined ? '' : `${error.node}: `}${error.message}`);
    if (error.hint !== undefined) console.error(`→ ${error.hint}`);
    process.exitCode = error.exitCode;
    return;
  }
  console.error(`✖ sandbox: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.DEPLOY_TLS_DEBUG === '1') console.error(error);
  process.exitCode = ExitCode.failure;
});
