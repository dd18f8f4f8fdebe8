import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's types
type AnyDatabase = Kysely<any>;

/** What the gateways send up: pulled records with their cursors, live status and alarms. */
export async function up(db: AnyDatabase): Promise<void> {
  // The primary key is the exactly-once guarantee: a record delivered twice is ignored.
  await db.schema
    .createTable('records')
    .addColumn('gateway', 'text', (column) => column.notNull())
    .addColumn('stream', 'text', (column) => column.notNull())
    .addColumn('seq', 'bigint', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('data', 'text', (column) => column.notNull())
    .addColumn('stored_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('records_key', ['gateway', 'stream', 'seq'])
    .execute();

  await db.schema
    .createTable('cursors')
    .addColumn('gateway', 'text', (column) => column.notNull())
    .addColumn('stream', 'text', (column) => column.notNull())
    .addColumn('seq', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('cursors_key', ['gateway', 'stream'])
    .execute();

  await db.schema
    .createTable('gateway_status')
    .addColumn('gateway', 'text', (column) => column.primaryKey())
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('received_at', 'bigint', (column) => column.notNull())
    .addColumn('data', 'text', (column) => column.notNull())
    .execute();

  // A QoS 1 alarm may arrive twice; the key keeps it once.
  await db.schema
    .createTable('alarms')
    .addColumn('gateway', 'text', (column) => column.notNull())
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('code', 'text', (column) => column.notNull())
    .addColumn('severity', 'text', (column) => column.notNull())
    .addColumn('message', 'text', (column) => column.notNull())
    .addColumn('device', 'text')
    .addColumn('received_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('alarms_key', ['gateway', 'at', 'code'])
    .execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  for (const table of ['alarms', 'gateway_status', 'cursors', 'records']) {
    await db.schema.dropTable(table).execute();
  }
}
