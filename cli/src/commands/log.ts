/**
 * `meshgate log rebuild`: recomputes the MeshState snapshot from event 1, in this process,
 * against the store the environment names (DATABASE_URL, else the PGlite data directory).
 * In-process rather than through the api: it needs only the log, it must work when a suspect
 * snapshot is what keeps the services from starting, and it reads at the database's own rate
 * instead of through an HTTP stream. On the embedded store, stop `meshgate up` first: one
 * process at a time may open a data directory.
 */
import type { Command } from 'commander';
import { rebuildSnapshot } from '@meshgate/follower';
import { loadConfig, openInfrastructure } from '@meshgate/runtime';
import { runAction, type CliContext } from '../context.js';

interface RebuildOptions {
  dataDir?: string;
}

export function registerLogCommand(program: Command, context: CliContext): void {
  const log = program.command('log').description('The event log itself (runs against DATABASE_URL or the data directory, not through the api)');
  log
    .command('rebuild')
    .description('Rebuild the MeshState snapshot from event 1 (services then start from it); stop an embedded `meshgate up` first')
    .option('--data-dir <dir>', 'embedded data directory (default $MESHGATE_DATA_DIR or ./.meshgate); ignored with DATABASE_URL')
    .action(async (options: RebuildOptions) =>
      runAction(context, async () => {
        const config = loadConfig(context.env);
        if (options.dataDir) config.dataDir = options.dataDir;
        // The bus is not used: the in-process one, whatever NATS_URL says.
        const infra = await openInfrastructure({ ...config, natsUrl: undefined }, 'meshgate-log-rebuild');
        try {
          const result = await rebuildSnapshot(infra.store);
          const rate = result.readSeconds > 0 ? Math.round(result.events / result.readSeconds) : result.events;
          context.stdout(
            `rebuilt the mesh-state snapshot at sequence ${result.sequence}: ${result.events} events read in ${result.readSeconds.toFixed(2)} s ` +
              `(${rate} events/s), ${result.objects} objects, ${result.totalSeconds.toFixed(2)} s in all\n`,
          );
        } finally {
          await infra.close();
        }
      }),
    );
}
