import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's types
type AnyDatabase = Kysely<any>;

/** The number of each gateway's last remote command: a gateway runs only higher ones. */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('gateway_command_sequences')
    .addColumn('gateway', 'text', (column) => column.primaryKey())
    .addColumn('sequence', 'bigint', (column) => column.notNull())
    .execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.dropTable('gateway_command_sequences').execute();
}
