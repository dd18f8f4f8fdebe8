import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's types
type AnyDatabase = Kysely<any>;

/**
 * Insights: hourly and daily rollups derived from the stored records, facts from outside
 * the records (conversions), and the progress the live view watches.
 */
export async function up(db: AnyDatabase): Promise<void> {
  // One row per branch, metric, dimension and local hour; the local calendar is kept beside
  // the instant so day and week queries group without any time-zone arithmetic.
  await db.schema
    .createTable('insights_hourly')
    .addColumn('branch', 'text', (column) => column.notNull())
    .addColumn('metric', 'text', (column) => column.notNull())
    .addColumn('dimension', 'text', (column) => column.notNull())
    .addColumn('hour_at', 'bigint', (column) => column.notNull())
    .addColumn('day', 'text', (column) => column.notNull())
    .addColumn('hour', 'integer', (column) => column.notNull())
    .addColumn('weekday', 'integer', (column) => column.notNull())
    .addColumn('value', 'double precision', (column) => column.notNull())
    .addPrimaryKeyConstraint('insights_hourly_key', ['branch', 'metric', 'dimension', 'hour_at'])
    .execute();
  await db.schema
    .createIndex('insights_hourly_branch_day')
    .on('insights_hourly')
    .columns(['branch', 'day'])
    .execute();

  await db.schema
    .createTable('insights_daily')
    .addColumn('branch', 'text', (column) => column.notNull())
    .addColumn('metric', 'text', (column) => column.notNull())
    .addColumn('dimension', 'text', (column) => column.notNull())
    .addColumn('day', 'text', (column) => column.notNull())
    .addColumn('week', 'text', (column) => column.notNull())
    .addColumn('value', 'double precision', (column) => column.notNull())
    .addPrimaryKeyConstraint('insights_daily_key', ['branch', 'metric', 'dimension', 'day'])
    .execute();
  await db.schema
    .createIndex('insights_daily_metric_day')
    .on('insights_daily')
    .columns(['metric', 'day', 'branch', 'value'])
    .execute();

  // Facts from the bank's own systems, each once by its source's id.
  await db.schema
    .createTable('insights_external')
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('id', 'text', (column) => column.notNull())
    .addColumn('branch', 'text', (column) => column.notNull())
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('metric', 'text', (column) => column.notNull())
    .addColumn('dimension', 'text', (column) => column.notNull())
    .addColumn('value', 'double precision', (column) => column.notNull())
    .addPrimaryKeyConstraint('insights_external_key', ['source', 'id'])
    .execute();

  await db.schema
    .createTable('insights_progress')
    .addColumn('branch', 'text', (column) => column.primaryKey())
    .addColumn('records', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  for (const table of ['insights_progress', 'insights_external', 'insights_daily']) {
    await db.schema.dropTable(table).execute();
  }
  await db.schema.dropTable('insights_hourly').execute();
}
