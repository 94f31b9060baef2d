// `deploy-tls ca rollover`: a new intermediate across the fleet in three verified, resumable phases.
import { relative } from 'node:path';
import type { Command } from 'commander';
import { rollover } from '../commands/rollover.js';
import { UsageError } from '../errors.js';
import { loadInventory } from '../inventory/load.js';
import { addRolloutOptions, fleetDeps, type RolloutFlags, rolloutSettings } from './fleet-commands.js';
import type { CliIo } from './options.js';
import { renderReport } from './render-deploy.js';

interface RolloverFlags extends RolloutFlags {
  certificate?: string;
  until?: 'trusted' | 'reissued';
}

export function addRolloverCommand(ca: Command, io: CliIo): void {
  addRolloutOptions(
    ca
      .command('rollover')
      .description(
        'replace the intermediate CA on every node: trust both, re-issue, drop the old one (resumable)',
      ),
  )
    .option('--certificate <file>', "the offline root's certificate for the CSR a previous run wrote")
    .option('--until <phase>', 'stop after a phase: trusted | reissued')
    .action(async (flags: RolloverFlags) => {
      if (!flags.inventory) throw new UsageError('ca rollover needs --inventory FILE');
      if (flags.until && flags.until !== 'trusted' && flags.until !== 'reissued') {
        throw new UsageError(`--until ${flags.until}: choose trusted or reissued`);
      }
      const inventory = await loadInventory(flags.inventory, io.env);
      const log = (line: string) => io.stdout.write(`${line}\n`);
      const report = await rollover(
        { ...rolloutSettings(flags, io, inventory), certificate: flags.certificate, until: flags.until },
        fleetDeps(io, inventory),
        log,
      );
      for (const step of report.steps) log(`\n${step.phase}\n${renderReport(step.report)}`);
      if (report.csr) {
        const root = relative(process.cwd(), `${inventory.ca.dir}/ca-openssl.cnf`);
        log(`The root key is offline. Sign ${report.csr} on the root's machine, e.g.:`);
        log(
          `  openssl ca -config ${root} -extensions v3_intermediate_ca -days 3650 -notext -md sha256 -in intermediate-next.csr.pem -out intermediate-next.cert.pem`,
        );
        log(
          `then: deploy-tls ca rollover --inventory ${flags.inventory} --certificate intermediate-next.cert.pem`,
        );
        return;
      }
      log(
        report.phase === 'done'
          ? '✔ rollover done: every node serves and trusts the new intermediate only'
          : `✔ stopped after phase "${report.phase}"; run again to continue`,
      );
    });
}
