import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { SmartBranchError } from '../../core/index.ts';

const folder = new URL('./migrations/', import.meta.url);

/**
 * Every file in migrations/, by its timestamped name. Reading the folder rather than a list
 * means two engineers adding a migration each never edit the same file.
 */
const folderProvider: MigrationProvider = {
  async getMigrations() {
    const migrations: Record<string, Migration> = {};
    const files = readdirSync(folder).filter((file) =>
      /^\d{4}-\d{2}-\d{2}T\d{4}-.+\.ts$/.test(file),
    );
    for (const file of files.sort()) {
      migrations[file.replace(/\.ts$/, '')] = await import(
        pathToFileURL(folder.pathname + file).href
      );
    }
    return migrations;
  },
};

/** Brings the store up to the newest migration; returns the names applied now. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
export async function migrateToLatest(db: Kysely<any>, schema?: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: folderProvider,
    // Work merged from parallel branches may carry an older timestamp than one already applied.
    allowUnorderedMigrations: true,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName ?? '?';
    throw new SmartBranchError(
      'SB_ERR_UNAVAILABLE',
      `migration ${failed} failed: ${String(error)}`,
    );
  }

  return results
    .filter((result) => result.status === 'Success')
    .map((result) => result.migrationName);
}
