import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { ModuleContext } from '../../core/index.ts';

export { isDiskFull, type Outbox, type OutboxSpace, outbox } from './outbox.ts';
export {
  type BacklogGuard,
  type BacklogReport,
  backlogGuard,
  OutboxLimits,
  reclaimSpace,
} from './retention.ts';
export { type OutboxWatch, type StoreAlarm, watchOutbox } from './watch.ts';

export type Db = Database.Database;

export interface Store {
  readonly db: Db;
  readonly file: string;
  close(): void;
}

const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Opens the gateway's SQLite file and brings its schema up to date. Migrations are SQL files
 * named by timestamp, so work on different modules never collides, applied once each in
 * name order inside one transaction apiece.
 */
export function openStore(file: string, context: Pick<ModuleContext, 'log'>): Store {
  const log = context.log.child({ module: 'store' });
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });

  const db = new Database(file);
  incrementalVacuum(db, log);
  db.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode; only a power cut may lose the
  // last transactions, never corrupt the file.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');

  const applied = migrate(db);
  if (applied.length) log.info({ file, applied }, 'store migrated');

  return { db, file, close: () => db.close() };
}

/**
 * Freed pages go back to the file system only with auto_vacuum on, which must be chosen
 * before the first table or applied by one VACUUM: a file from before gets that once.
 */
function incrementalVacuum(db: Db, log: ModuleContext['log']) {
  if (db.pragma('auto_vacuum', { simple: true }) === 2) return;

  const fresh = db.pragma('page_count', { simple: true }) === 0;
  db.pragma('auto_vacuum = INCREMENTAL');
  if (fresh) return;

  db.exec('VACUUM');
  log.info('store switched to incremental vacuum');
}

function migrate(db: Db): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS migrations (
    name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`);

  const done = new Set(db.prepare('SELECT name FROM migrations').pluck().all() as string[]);
  const pending = readdirSync(migrationsFolder)
    .filter((name) => name.endsWith('.sql') && !done.has(name))
    .sort();

  const record = db.prepare('INSERT INTO migrations (name, applied_at) VALUES (?, ?)');
  for (const name of pending) {
    const sql = readFileSync(join(migrationsFolder, name), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      record.run(name, Date.now());
    })();
  }
  return pending;
}
