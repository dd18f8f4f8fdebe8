import { type Kysely, PostgresAdapter, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's types
type AnyDatabase = Kysely<any>;

/** Campaigns, their assets by sha256, the signed manifest of each branch and rollouts. */
export async function up(db: AnyDatabase): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('campaign_assets')
    .addColumn('sha256', 'text', (column) => column.primaryKey())
    .addColumn('size', 'bigint', (column) => column.notNull())
    .addColumn('mime', 'text', (column) => column.notNull())
    .addColumn('data', postgres ? sql`bytea` : sql`blob`, (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();

  // Items, schedule, rules and the branch selector are JSON: they are read whole, never joined.
  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('priority', 'integer', (column) => column.notNull())
    .addColumn('objective', 'text', (column) => column.notNull())
    .addColumn('body', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('branch_manifests')
    .addColumn('branch', 'text', (column) => column.primaryKey())
    .addColumn('version', 'bigint', (column) => column.notNull())
    .addColumn('manifest', 'text', (column) => column.notNull())
    .addColumn('published_at', 'bigint', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('campaign_rollouts')
    .addColumn('campaign', 'text', (column) => column.notNull())
    .addColumn('branch', 'text', (column) => column.notNull())
    .addColumn('version', 'bigint', (column) => column.notNull())
    .addColumn('state', 'text', (column) => column.notNull())
    .addColumn('reason', 'text')
    .addColumn('gateway', 'text')
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('campaign_rollouts_key', ['campaign', 'branch'])
    .execute();
  await db.schema
    .createIndex('campaign_rollouts_branch')
    .on('campaign_rollouts')
    .columns(['branch', 'version'])
    .execute();

  // An import sent twice stores each conversion once: the bank's own reference is the key.
  await db.schema
    .createTable('campaign_conversions')
    .addColumn('campaign', 'text', (column) => column.notNull())
    .addColumn('reference', 'text', (column) => column.notNull())
    .addColumn('branch', 'text', (column) => column.notNull())
    .addColumn('step', 'text', (column) => column.notNull())
    .addColumn('coupon_code', 'text')
    .addColumn('lead_id', 'text')
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('imported_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('campaign_conversions_key', ['campaign', 'reference'])
    .execute();

  await db.schema
    .createTable('campaign_targets')
    .addColumn('campaign', 'text', (column) => column.notNull())
    .addColumn('branch', 'text', (column) => column.notNull())
    .addColumn('step', 'text', (column) => column.notNull())
    .addColumn('target', 'integer', (column) => column.notNull())
    .addColumn('from_at', 'bigint', (column) => column.notNull())
    .addColumn('to_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('campaign_targets_key', ['campaign', 'branch', 'step', 'from_at'])
    .execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  for (const table of [
    'campaign_targets',
    'campaign_conversions',
    'campaign_rollouts',
    'branch_manifests',
    'campaigns',
    'campaign_assets',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
