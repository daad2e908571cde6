/**
 * `meshgate ca bundle | rotate | drop-inactive-roots`: the trust bundle, and the two steps of a
 * root rotation (a new root trusted beside the old; later, the old one dropped).
 */
import type { Command } from 'commander';
import type { TrustBundle } from '@meshgate/ca';
import { CaRestClient } from '../ca-client.js';
import { clientFor, runAction, type CliContext } from '../context.js';
import { formatTable } from '../output/table.js';

/** One line about the bundle, then its roots, newest first. */
export function formatBundleSummary(bundle: TrustBundle): string {
  const count = bundle.roots.length === 1 ? '1 root' : `${bundle.roots.length} roots`;
  const rows = bundle.roots.map((root) => [root.fingerprintSha256, root.subject, root.notAfter]);
  return `trust bundle ${bundle.version}: ${count}, newest first\n` + formatTable(['SHA-256 FINGERPRINT', 'SUBJECT', 'NOT AFTER'], rows);
}

export function registerCaCommand(program: Command, context: CliContext): void {
  const ca = program.command('ca').description('The certificate authority: the trust bundle and root rotation');

  ca.command('bundle')
    .description('Print the trust bundle: every trusted root, PEM, newest first')
    .action(async (_options: object, command: Command) =>
      runAction(context, async () => {
        const client = new CaRestClient(clientFor(command, context));
        context.stdout((await client.trustBundle()).pem);
      }),
    );

  ca.command('rotate')
    .description('Generate a new root: new leaves are issued under it; the bundle keeps the old root until drop-inactive-roots')
    .action(async (_options: object, command: Command) =>
      runAction(context, async () => {
        const client = new CaRestClient(clientFor(command, context));
        context.stdout(formatBundleSummary(await client.rotateRoot()));
      }),
    );

  ca.command('drop-inactive-roots')
    .description('Remove every root but the active one from the bundle (leaves of the old roots stop verifying)')
    .action(async (_options: object, command: Command) =>
      runAction(context, async () => {
        const client = new CaRestClient(clientFor(command, context));
        context.stdout(formatBundleSummary(await client.dropInactiveRoots()));
      }),
    );
}
