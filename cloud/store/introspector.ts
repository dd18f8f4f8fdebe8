import {
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  type Kysely,
  PostgresDialect,
  type PostgresDialectConfig,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from 'kysely';

const migrationTables = new Set(['kysely_migration', 'kysely_migration_lock']);

/**
 * Looks only at the store's own schema. Kysely's own PostgreSQL introspector reads every
 * schema in the database and calls `has_schema_privilege` on each by name, which throws
 * "schema does not exist" when another tenant of the database drops a schema during the
 * query; the migrator asks it on every start, so a cloud replica could fail to start while
 * someone else cleaned up. Column lists are left empty: only the migrator reads this.
 */
class SchemaIntrospector implements DatabaseIntrospector {
  constructor(
    private readonly db: Kysely<unknown>,
    private readonly schema: string | undefined,
  ) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`
      select nspname as name from pg_catalog.pg_namespace
      where nspname = coalesce(${this.schema ?? null}::text, current_schema())`.execute(this.db);
    return rows;
  }

  async getTables(
    options: DatabaseMetadataOptions = { withInternalKyselyTables: false },
  ): Promise<TableMetadata[]> {
    const { rows } = await sql<{ name: string; schema: string; kind: string }>`
      select c.relname as name, n.nspname as schema, c.relkind as kind
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = coalesce(${this.schema ?? null}::text, current_schema())
        and c.relkind in ('r', 'v', 'p', 'm', 'f')`.execute(this.db);

    return rows
      .filter((row) => options.withInternalKyselyTables || !migrationTables.has(row.name))
      .map((row) => ({
        name: row.name,
        schema: row.schema,
        isView: row.kind === 'v' || row.kind === 'm',
        columns: [],
      }));
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}

/** Kysely's PostgreSQL dialect, with introspection kept to one schema. */
export class SchemaPostgresDialect extends PostgresDialect {
  constructor(
    config: PostgresDialectConfig,
    private readonly schema: string | undefined,
  ) {
    super(config);
  }

  // biome-ignore lint/suspicious/noExplicitAny: introspection runs before the typed schema
  override createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SchemaIntrospector(db, this.schema);
  }
}
