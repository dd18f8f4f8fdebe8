import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's types
type AnyDatabase = Kysely<any>;

/**
 * Leads with their personal fields sealed (AES-256-GCM text, never plaintext), their
 * steps, the staff who follow them, and the audit of every personal-data read.
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('leads')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('source_record', 'text', (column) => column.unique())
    .addColumn('branch', 'text', (column) => column.notNull())
    .addColumn('campaign', 'text')
    .addColumn('benefit', 'text')
    .addColumn('screen', 'text')
    .addColumn('product', 'text', (column) => column.notNull())
    .addColumn('name_sealed', 'text')
    .addColumn('phone_sealed', 'text')
    .addColumn('phone_lookup', 'text')
    .addColumn('consent_version', 'text', (column) => column.notNull())
    .addColumn('consent_text', 'text', (column) => column.notNull())
    .addColumn('state', 'text', (column) => column.notNull())
    .addColumn('lost_reason', 'text')
    .addColumn('assignee', 'text')
    .addColumn('score', 'integer', (column) => column.notNull())
    .addColumn('score_reasons', 'text', (column) => column.notNull())
    .addColumn('sla_due_at', 'bigint', (column) => column.notNull())
    .addColumn('contacted_at', 'bigint')
    .addColumn('escalated_at', 'bigint')
    .addColumn('escalated_to', 'text')
    .addColumn('follow_up_at', 'bigint')
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addColumn('erased_at', 'bigint')
    .execute();
  await db.schema.createIndex('leads_branch').on('leads').columns(['branch', 'state']).execute();
  await db.schema.createIndex('leads_lookup').on('leads').column('phone_lookup').execute();

  await db.schema
    .createTable('lead_events')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('lead_id', 'text', (column) => column.notNull())
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('by_user', 'text', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text')
    .addColumn('note_sealed', 'text')
    .execute();
  await db.schema.createIndex('lead_events_lead').on('lead_events').column('lead_id').execute();

  await db.schema
    .createTable('lead_staff')
    .addColumn('user_id', 'text', (column) => column.primaryKey())
    .addColumn('branch', 'text', (column) => column.notNull())
    .addColumn('display_name', 'text', (column) => column.notNull())
    .addColumn('skills', 'text', (column) => column.notNull())
    .addColumn('on_duty', 'integer', (column) => column.notNull())
    .addColumn('last_assigned_at', 'bigint', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('lead_audit')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('user_id', 'text', (column) => column.notNull())
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('action', 'text', (column) => column.notNull())
    .addColumn('lead_ids', 'text', (column) => column.notNull())
    .execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  for (const table of ['lead_audit', 'lead_staff', 'lead_events', 'leads']) {
    await db.schema.dropTable(table).execute();
  }
}
