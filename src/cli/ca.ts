// `deploy-tls ca init | show | rollover`: create and inspect the private CA, and replace its
// intermediate across the fleet.
import { relative } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { DEFAULT_CA_SUBJECT, parseSubject } from '../pki/names.js';
import { CANARY_THEN_ALL } from '../rollout/batches.js';
import {
  type CliIo,
  caDirOption,
  caPasswordFileOption,
  type FleetFlags,
  fleetDeps,
  fleetOptions,
  inventoryFrom,
  rolloutSettings,
} from './options.js';
import { renderCaSummary } from './render.js';
import { caPasswordSpec, inventorySecretResolver, requiredSecret } from './secrets.js';

interface RolloverFlags extends FleetFlags {
  certificate?: string;
  until?: 'trusted' | 'reissued';
}

export function addCaCommands(program: Command, io: CliIo): void {
  const ca = program.command('ca').description('create and inspect the private CA');
  ca.command('init')
    .description('create a Root CA and an Intermediate CA in the OpenSSL `ca` layout')
    .addOption(caDirOption())
    .option('--subject <dn>', 'CA subject, e.g. "/C=DE/ST=Bavaria/L=Landshut/O=Example/OU=Operations"')
    .addOption(caPasswordFileOption())
    .option('-i, --inventory <file>', "take the CA's folder, password and subject from an inventory")
    .action(
      async (flags: { caDir: string; subject?: string; caPasswordFile?: string; inventory?: string }) => {
        const summary = flags.inventory
          ? await initFromInventory(flags.inventory, io)
          : await initFromFlags(flags, io);
        io.stdout.write(`✔ created CA in ${summary.dir}\n\n${renderCaSummary(summary)}`);
      },
    );
  ca.command('show')
    .description('show the hierarchy: subjects, serials, validity, key types, fingerprints, days left')
    .addOption(caDirOption())
    .option('--json', 'print JSON')
    .action(async (flags: { caDir: string; json?: boolean }) => {
      const { caShow } = await import('../commands/ca.js');
      const summary = await caShow({ dir: flags.caDir, now: io.clock.now() });
      io.stdout.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : renderCaSummary(summary));
    });

  // Each phase only hot-reloads stores: one canary node, then the others at once.
  fleetOptions(
    ca
      .command('rollover')
      .description(
        'replace the intermediate CA on every node: trust both, re-issue, drop the old one (resumable)',
      ),
    CANARY_THEN_ALL,
  )
    .option('--certificate <file>', "the offline root's certificate for the CSR a previous run wrote")
    .option('--until <phase>', 'stop after a phase: trusted | reissued')
    .action(async (flags: RolloverFlags) => {
      if (flags.until && flags.until !== 'trusted' && flags.until !== 'reissued') {
        throw new UsageError(`--until ${flags.until}: choose trusted or reissued`);
      }
      const settings = rolloutSettings(flags, io);
      const inventory = await inventoryFrom(flags, 'ca rollover', io);
      const [{ rollover }, { renderReport }] = await Promise.all([
        import('../commands/rollover.js'),
        import('./render-rollout.js'),
      ]);
      const log = (line: string) => io.stdout.write(`${line}\n`);
      const report = await rollover(
        { ...settings, inventory, certificate: flags.certificate, until: flags.until },
        await fleetDeps(io),
        log,
      );
      for (const step of report.steps) log(`\n${step.phase}\n${renderReport(step.report)}`);
      if (report.csr) {
        const root = relative(io.cwd, `${inventory.ca.dir}/ca-openssl.cnf`);
        log(`The root key is offline. Sign ${report.csr} on the root's machine, e.g.:`);
        log(
          `  openssl ca -config ${root} -extensions v3_intermediate_ca -days 3650 -notext -md sha256 -in intermediate-next.csr.pem -out intermediate-next.cert.pem`,
        );
        log(
          `then: deploy-tls ca rollover --inventory ${flags.inventory} --certificate intermediate-next.cert.pem`,
        );
        return;
      }
      if (report.limited) {
        log(
          `✔ phase ${report.limited} done on the nodes --limit selects; run without --limit to finish it on every node`,
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

async function initFromFlags(flags: { caDir: string; subject?: string; caPasswordFile?: string }, io: CliIo) {
  const subject = flags.subject ? parseSubject(flags.subject, '--subject') : DEFAULT_CA_SUBJECT;
  const password = await requiredSecret(caPasswordSpec(flags.caPasswordFile), io, true);
  const { caInit } = await import('../commands/ca.js');
  return caInit({ dir: flags.caDir, subject, password, now: io.clock.now() });
}

async function initFromInventory(file: string, io: CliIo) {
  const inventory = await inventoryFrom({ inventory: file }, 'ca init', io);
  const password = await inventorySecretResolver(io)(inventory.ca.password, 'CA password');
  const subject = Object.keys(inventory.ca.subject).length > 0 ? inventory.ca.subject : DEFAULT_CA_SUBJECT;
  const { caInit } = await import('../commands/ca.js');
  return caInit({ dir: inventory.ca.dir, subject, password, now: io.clock.now() });
}
