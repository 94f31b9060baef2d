// `deploy-tls status`: per node what is deployed and served, and for how long.
import type { Command } from 'commander';
import { DeployTlsError } from '../errors.js';
import { type CliIo, inventoryFrom, limitOption, positiveInt, rendererFor, sshConnect } from './options.js';
import { htmlOption, pageTitle, prometheusOption, recordedAction, writePage } from './outputs.js';
import { renderStatus, statusMetrics, statusPage } from './render-status.js';
import { inventorySecretResolver } from './secrets.js';

interface StatusFlags {
  inventory: string;
  limit?: string[];
  concurrency: number;
  acceptNewHostKeys?: boolean;
  json?: boolean;
  prometheus?: string;
  html?: string;
}

export function addStatusCommand(program: Command, io: CliIo): void {
  program
    .command('status')
    .description('per node: deployed serial, SANs, expiry, days left, served = deployed?, client-auth mode')
    .requiredOption('-i, --inventory <file>', 'the inventory of broker nodes (YAML)')
    .addOption(limitOption())
    .option('--concurrency <n>', 'nodes read at once', positiveInt, 10)
    .option('--accept-new-host-keys', 'trust and record host keys not yet in known_hosts')
    .option('--json', 'print JSON')
    .addOption(prometheusOption())
    .addOption(htmlOption())
    .action(
      recordedAction('status', io, async (flags: StatusFlags, observe) => {
        const inventory = await inventoryFrom(flags, 'status', io);
        const { status } = await import('../commands/status.js');
        const report = await status(
          {
            inventory,
            limit: flags.limit,
            concurrency: flags.concurrency,
            renderer: rendererFor(flags, io),
            acceptNewHostKeys: flags.acceptNewHostKeys ?? false,
          },
          {
            connect: await sshConnect(io),
            resolveSecret: inventorySecretResolver(io),
            now: () => io.clock.now(),
          },
        );
        observe(statusMetrics(report));
        if (flags.html)
          await writePage(flags.html, statusPage(report, pageTitle(flags.inventory), io.clock.now()));
        io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `\n${renderStatus(report)}`);
        const bad = report.nodes.filter((row) => row.listener !== 'reachable');
        if (bad.length > 0) {
          throw new DeployTlsError(
            `${bad.length} of ${report.nodes.length} nodes could not be read or do not serve TLS: ${bad.map((row) => row.node).join(', ')}`,
            { hint: 'see the table above' },
          );
        }
      }),
    );
}
