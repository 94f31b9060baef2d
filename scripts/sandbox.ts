// npm run sandbox -- up [--nodes N] [--ssh-port P] [--fleet F] [--reach] | down | status
// A real HiveMQ fleet on one machine for the demo and the e2e tests: the namespace sandbox or a
// container fleet (DEPLOY_TLS_FLEET or --fleet: namespace | container:<release>); see README.
import { parseArgs } from 'node:util';
import { DeployTlsError, ExitCode } from '../src/errors.js';
import { DEFAULT_NODES, sandboxLayout } from './sandbox/layout.js';
import { reachUp } from './sandbox/reach.js';
import { fleetStatusLines } from './sandbox/report.js';
import { openFleet, parseFleetId, selectedFleetId } from './sandbox/select.js';

const USAGE =
  'usage: npm run sandbox -- up [--nodes N] [--ssh-port P] [--fleet namespace|container:<release>] [--reach] | down | status';

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
    options: {
      nodes: { type: 'string' },
      'ssh-port': { type: 'string' },
      fleet: { type: 'string' },
      reach: { type: 'boolean' },
    },
  });
  const log = (line: string) => console.log(line);
  const fleet = openFleet(values.fleet === undefined ? selectedFleetId() : parseFleetId(values.fleet));
  switch (positionals[0]) {
    case 'up': {
      const started = Date.now();
      const nodes = await fleet.up({
        nodes: integerFlag('nodes', values.nodes) ?? DEFAULT_NODES,
        sshPort: integerFlag('ssh-port', values['ssh-port']),
        log,
      });
      for (const line of fleet.usage(nodes)) log(line);
      if (values.reach) {
        // Jump hosts and bastion-only nodes live in network namespaces of this machine.
        if (fleet.id !== 'namespace')
          throw new DeployTlsError('--reach needs the namespace fleet', {
            hint: 'add --fleet namespace (or DEPLOY_TLS_FLEET=namespace)',
            exitCode: ExitCode.usage,
          });
        const reach = await reachUp(sandboxLayout(), log);
        log(`reach test bed: jump hosts and bastion-only nodes, inventory ${reach.inventory}`);
      }
      log(`  took ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return;
    }
    case 'down':
      await fleet.down({ log });
      log(`sandbox down (${fleet.id})`);
      return;
    case 'status':
      for (const line of fleetStatusLines(fleet.id, await fleet.status())) log(line);
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
