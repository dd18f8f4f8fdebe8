import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's types
type AnyDatabase = Kysely<any>;

/**
 * Cloud replicas sharing one store: each replica's heartbeat, and which replica owns each
 * gateway's pull until when.
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('cloud_replicas')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('started_at', 'bigint', (column) => column.notNull())
    .addColumn('seen_at', 'bigint', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('pull_leases')
    .addColumn('gateway', 'text', (column) => column.primaryKey())
    .addColumn('owner', 'text', (column) => column.notNull())
    .addColumn('expires_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('pull_leases_owner').on('pull_leases').column('owner').execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.dropTable('pull_leases').execute();
  await db.schema.dropTable('cloud_replicas').execute();
}
