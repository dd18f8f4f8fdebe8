import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's types
type AnyDatabase = Kysely<any>;

/** Gateway software releases, their bundles, and their rollouts in waves to branches. */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('releases')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('version', 'text', (column) => column.notNull())
    .addColumn('sha256', 'text', (column) => column.notNull())
    .addColumn('size', 'bigint', (column) => column.notNull())
    .addColumn('engines', 'text', (column) => column.notNull())
    .addColumn('migrations', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('created_by', 'text', (column) => column.notNull())
    .execute();

  // Base64 text in 1 MiB pieces: the same column type on both dialects, streamed in order.
  await db.schema
    .createTable('release_chunks')
    .addColumn('release', 'text', (column) => column.notNull())
    .addColumn('idx', 'integer', (column) => column.notNull())
    .addColumn('data', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('release_chunks_key', ['release', 'idx'])
    .execute();

  await db.schema
    .createTable('release_rollouts')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('release', 'text', (column) => column.notNull())
    .addColumn('manifest', 'text', (column) => column.notNull())
    .addColumn('waves', 'integer', (column) => column.notNull())
    .addColumn('current_wave', 'integer', (column) => column.notNull())
    .addColumn('failure_rate_stop', 'double precision', (column) => column.notNull())
    .addColumn('state', 'text', (column) => column.notNull())
    .addColumn('reason', 'text')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('created_by', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('release_targets')
    .addColumn('rollout', 'text', (column) => column.notNull())
    .addColumn('gateway', 'text', (column) => column.notNull())
    .addColumn('branch', 'text', (column) => column.notNull())
    .addColumn('wave', 'integer', (column) => column.notNull())
    .addColumn('state', 'text', (column) => column.notNull())
    .addColumn('reason', 'text')
    .addColumn('running', 'text')
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('release_targets_key', ['rollout', 'gateway'])
    .execute();

  await db.schema
    .createIndex('release_targets_gateway')
    .on('release_targets')
    .columns(['gateway', 'state'])
    .execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  for (const table of ['release_targets', 'release_rollouts', 'release_chunks', 'releases']) {
    await db.schema.dropTable(table).execute();
  }
}
