import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: a migration must not depend on today's types
type AnyDatabase = Kysely<any>;

/**
 * The branch as a place (its site, floor plan, cameras mapped onto it) and its catchment:
 * imported population areas, points of interest and competitors, and theme decisions.
 */
export async function up(db: AnyDatabase): Promise<void> {
  await db.schema
    .createTable('insights_sites')
    .addColumn('branch', 'text', (column) => column.primaryKey())
    .addColumn('longitude', 'double precision')
    .addColumn('latitude', 'double precision')
    .addColumn('area_m2', 'double precision')
    .addColumn('theme', 'text')
    .addColumn('plan_type', 'text')
    .addColumn('plan_data', 'text')
    .addColumn('plan_width_m', 'double precision')
    .addColumn('plan_height_m', 'double precision')
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('insights_cameras')
    .addColumn('branch', 'text', (column) => column.notNull())
    .addColumn('camera', 'text', (column) => column.notNull())
    .addColumn('calibration', 'text', (column) => column.notNull())
    .addColumn('zones', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('insights_cameras_key', ['branch', 'camera'])
    .execute();

  await db.schema
    .createTable('insights_imports')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('file_name', 'text', (column) => column.notNull())
    .addColumn('accepted', 'integer', (column) => column.notNull())
    .addColumn('rejected', 'integer', (column) => column.notNull())
    .addColumn('problems', 'text', (column) => column.notNull())
    .addColumn('at', 'bigint', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('insights_areas')
    .addColumn('import_id', 'text', (column) => column.notNull())
    .addColumn('line', 'integer', (column) => column.notNull())
    .addColumn('year', 'integer')
    .addColumn('longitude', 'double precision', (column) => column.notNull())
    .addColumn('latitude', 'double precision', (column) => column.notNull())
    .addColumn('geometry', 'text')
    .addColumn('population', 'double precision', (column) => column.notNull())
    .addColumn('ages', 'text', (column) => column.notNull())
    .addColumn('income', 'double precision')
    .addColumn('customers', 'double precision')
    .addPrimaryKeyConstraint('insights_areas_key', ['import_id', 'line'])
    .execute();

  await db.schema
    .createTable('insights_places')
    .addColumn('import_id', 'text', (column) => column.notNull())
    .addColumn('line', 'integer', (column) => column.notNull())
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('category', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('longitude', 'double precision', (column) => column.notNull())
    .addColumn('latitude', 'double precision', (column) => column.notNull())
    .addPrimaryKeyConstraint('insights_places_key', ['import_id', 'line'])
    .execute();

  await db.schema
    .createTable('insights_theme_decisions')
    .addColumn('branch', 'text', (column) => column.notNull())
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('theme', 'text', (column) => column.notNull())
    .addColumn('recommended', 'text')
    .addColumn('decision', 'text', (column) => column.notNull())
    .addColumn('user_id', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('insights_theme_decisions_key', ['branch', 'at'])
    .execute();
}

export async function down(db: AnyDatabase): Promise<void> {
  for (const table of [
    'insights_theme_decisions',
    'insights_places',
    'insights_areas',
    'insights_imports',
    'insights_cameras',
    'insights_sites',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
