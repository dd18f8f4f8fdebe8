import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresAdapter, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { ModuleContext } from '../../core/index.ts';
import { SchemaPostgresDialect } from './introspector.ts';
import { migrateToLatest } from './migrate.ts';
import type { Database } from './schema.ts';

export type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `sqlite:<file>`, `sqlite::memory:` or `postgres://...`. */
  url: string;
  /** PostgreSQL only: the schema every table lives in, created when missing. */
  schema?: string | undefined;
}

// PostgreSQL sends bigint (OID 20) as text; every bigint here is a time or a count well
// inside 2^53, so it is read back as a number.
const bigintOid = 20;
const pgTypes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === bigintOid ? Number : pg.types.getTypeParser(oid, format ?? 'text'),
};

/** Which database a Kysely instance (or a transaction of it) talks to. */
export function dialectOf<Tables>(db: Kysely<Tables>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** Opens the store the URL names and brings it to the newest migration. */
export async function openStore(options: StoreOptions, context: ModuleContext): Promise<Store> {
  const log = context.log.child({ module: 'store' });
  const store = options.url.startsWith('sqlite:')
    ? openSqlite(options.url)
    : await openPostgres(options);
  const applied = await migrateToLatest(store.db, options.schema);
  log.info({ dialect: store.dialect, applied: applied.length }, 'store ready');
  return store;
}

function openSqlite(url: string): Store {
  const file = url.slice('sqlite:'.length);
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });

  const database = new BetterSqlite3(file);
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

async function openPostgres(options: StoreOptions): Promise<Store> {
  const schema = options.schema;
  const pool = new pg.Pool({
    connectionString: options.url,
    types: pgTypes,
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new SchemaPostgresDialect({ pool }, schema) });
  if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);

  return { db, dialect: 'postgres', close: () => db.destroy() };
}
