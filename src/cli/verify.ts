// `deploy-tls verify`: the verification matrix, as a table, JSON or JUnit XML.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DeployTlsError } from '../errors.js';
import { type CliIo, inventoryFrom, limitOption, positiveInt, rendererFor } from './options.js';
import { htmlOption, pageTitle, writePage } from './outputs.js';
import { renderVerify, verifyJunit, verifyPage } from './render-verify.js';
import { inventorySecretResolver } from './secrets.js';

interface VerifyFlags {
  inventory: string;
  limit?: string[];
  concurrency: number;
  timeout: number;
  json?: boolean;
  junit?: string;
  html?: string;
}

export function addVerifyCommand(program: Command, io: CliIo): void {
  program
    .command('verify')
    .description('prove mutual TLS on every node, including the checks that must fail')
    .requiredOption('-i, --inventory <file>', 'the inventory of broker nodes (YAML)')
    .addOption(limitOption())
    .option('--concurrency <n>', 'nodes checked at once', positiveInt, 10)
    .option('--timeout <seconds>', 'per connection attempt', positiveInt, 10)
    .option('--json', 'print JSON')
    .option('--junit <file>', 'also write a JUnit XML report')
    .addOption(htmlOption())
    .action(async (flags: VerifyFlags) => {
      const inventory = await inventoryFrom(flags, 'verify', io);
      const { verify } = await import('../commands/verify.js');
      const report = await verify(
        {
          inventory,
          limit: flags.limit,
          concurrency: flags.concurrency,
          timeoutMs: flags.timeout * 1000,
          renderer: rendererFor(flags, io),
        },
        { resolveSecret: inventorySecretResolver(io), now: () => io.clock.now() },
      );
      if (flags.junit) await writeFile(flags.junit, verifyJunit(report));
      if (flags.html)
        await writePage(flags.html, verifyPage(report, pageTitle(flags.inventory), io.clock.now()));
      io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `\n${renderVerify(report)}`);
      if (!report.ok)
        throw new DeployTlsError('verification failed', { hint: 'see the failed checks above' });
    });
}
