import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's types
type AnyDatabase = Kysely<any>;

/** What HQ knows of a branch beyond the config, its modules, and remote commands. */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('branch_profiles')
    .addColumn('branch', 'text', (column) => column.primaryKey())
    .addColumn('theme', 'text')
    .addColumn('address', 'text')
    .addColumn('latitude', 'double precision')
    .addColumn('longitude', 'double precision')
    .execute();

  await db.schema
    .createTable('branch_modules')
    .addColumn('branch', 'text', (column) => column.primaryKey())
    .addColumn('modules', 'text', (column) => column.notNull())
    .addColumn('version', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('gateway_commands')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('gateway', 'text', (column) => column.notNull())
    .addColumn('action', 'text', (column) => column.notNull())
    .addColumn('request', 'text', (column) => column.notNull())
    .addColumn('state', 'text', (column) => column.notNull())
    .addColumn('result', 'text')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('expires_at', 'bigint', (column) => column.notNull())
    .addColumn('answered_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('gateway_commands_open')
    .on('gateway_commands')
    .columns(['state', 'expires_at'])
    .execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  for (const table of ['gateway_commands', 'branch_modules', 'branch_profiles']) {
    await db.schema.dropTable(table).execute();
  }
}
