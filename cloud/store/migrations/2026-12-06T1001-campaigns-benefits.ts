import { type Kysely, sql } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's types
type AnyDatabase = Kysely<any>;

/** The benefits centre: sponsors, benefits with stock, allotments, coupons, redemptions. */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('sponsors')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    .execute();

  // A merchant user sees the benefits of one sponsor only.
  await db.schema
    .createTable('sponsor_members')
    .addColumn('user_id', 'text', (column) => column.primaryKey())
    .addColumn('sponsor', 'text', (column) => column.notNull().references('sponsors.id'))
    .execute();

  // stock_free is the stock not allotted to a branch: merchants and the API redeem from it.
  await db.schema
    .createTable('benefits')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('sponsor', 'text', (column) => column.notNull().references('sponsors.id'))
    .addColumn('body', 'text', (column) => column.notNull())
    .addColumn('stock_total', 'integer', (column) => column.notNull())
    .addColumn('stock_free', 'integer', (column) => column.notNull())
    .addColumn('code_key', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addCheckConstraint('benefits_stock_free', sql`stock_free >= 0`)
    .execute();

  await db.schema
    .createTable('campaign_benefits')
    .addColumn('campaign', 'text', (column) => column.notNull())
    .addColumn('benefit', 'text', (column) => column.notNull().references('benefits.id'))
    .addPrimaryKeyConstraint('campaign_benefits_key', ['campaign', 'benefit'])
    .execute();

  await db.schema
    .createTable('benefit_allotments')
    .addColumn('benefit', 'text', (column) => column.notNull().references('benefits.id'))
    .addColumn('branch', 'text', (column) => column.notNull())
    .addColumn('allotted', 'integer', (column) => column.notNull())
    .addColumn('used', 'integer', (column) => column.notNull())
    .addPrimaryKeyConstraint('benefit_allotments_key', ['benefit', 'branch'])
    .execute();

  await db.schema
    .createTable('branch_allotments')
    .addColumn('branch', 'text', (column) => column.primaryKey())
    .addColumn('version', 'bigint', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('coupons')
    .addColumn('code', 'text', (column) => column.primaryKey())
    .addColumn('benefit', 'text', (column) => column.notNull().references('benefits.id'))
    .addColumn('campaign', 'text')
    .addColumn('customer_hash', 'text')
    .addColumn('issued_at', 'bigint', (column) => column.notNull())
    .addColumn('redeemed_at', 'bigint')
    .addColumn('redemption_id', 'text')
    .execute();
  await db.schema
    .createIndex('coupons_customer')
    .on('coupons')
    .columns(['benefit', 'customer_hash'])
    .execute();

  await db.schema
    .createTable('redemptions')
    .addColumn('redemption_id', 'text', (column) => column.primaryKey())
    .addColumn('code', 'text', (column) => column.notNull())
    .addColumn('benefit', 'text')
    .addColumn('channel', 'text', (column) => column.notNull())
    .addColumn('branch', 'text')
    .addColumn('merchant', 'text')
    .addColumn('outcome', 'text', (column) => column.notNull())
    .addColumn('reason', 'text')
    .addColumn('review', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('received_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('redemptions_code').on('redemptions').column('code').execute();

  // How far the redemption records the puller stored have been applied, per gateway.
  await db.schema
    .createTable('redemption_sync')
    .addColumn('gateway', 'text', (column) => column.primaryKey())
    .addColumn('seq', 'bigint', (column) => column.notNull())
    .execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  for (const table of [
    'redemption_sync',
    'redemptions',
    'coupons',
    'branch_allotments',
    'benefit_allotments',
    'campaign_benefits',
    'benefits',
    'sponsor_members',
    'sponsors',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
