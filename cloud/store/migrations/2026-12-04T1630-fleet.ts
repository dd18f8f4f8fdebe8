import type { Kysely } from 'kysely';

// Migrations see the database as it was then, not as schema.ts says it is now.
// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's types
type AnyDatabase = Kysely<any>;

/** Branches, their gateways and the one-time tokens that enrol them. */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('branches')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('time_zone', 'text', (column) => column.notNull())
    .addColumn('region', 'text')
    .addColumn('tags', 'text', (column) => column.notNull().defaultTo('[]'))
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('gateways')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('branch', 'text', (column) => column.notNull().references('branches.id'))
    .addColumn('password_hash', 'text', (column) => column.notNull())
    .addColumn('version', 'text', (column) => column.notNull())
    .addColumn('enrolled_at', 'bigint', (column) => column.notNull())
    .addColumn('rotated_at', 'bigint', (column) => column.notNull())
    .execute();

  await db.schema.createIndex('gateways_branch').on('gateways').column('branch').execute();

  await db.schema
    .createTable('enrolment_tokens')
    .addColumn('token_hash', 'text', (column) => column.primaryKey())
    .addColumn('branch', 'text', (column) => column.notNull().references('branches.id'))
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('expires_at', 'bigint', (column) => column.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('used_by', 'text')
    .execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  await db.schema.dropTable('enrolment_tokens').execute();
  await db.schema.dropTable('gateways').execute();
  await db.schema.dropTable('branches').execute();
}
