import BetterSqlite3 from 'better-sqlite3';
import type { Db } from '../store/index.ts';

/**
 * The uplink's own tables in the gateway's SQLite file: what it applied, the branch's
 * allotments and every redemption the counter decided. Created here rather than in a store
 * migration so the uplink stays one folder; each statement is idempotent.
 */
const schema = `
CREATE TABLE IF NOT EXISTS uplink_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS uplink_allotments (
  benefit TEXT PRIMARY KEY, name TEXT NOT NULL, allotted INTEGER NOT NULL,
  valid_from INTEGER, valid_to INTEGER, code_key TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS uplink_redemptions (
  redemption_id TEXT PRIMARY KEY, code TEXT NOT NULL, benefit TEXT, outcome TEXT NOT NULL,
  reason TEXT, offline INTEGER NOT NULL, at INTEGER NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS uplink_redemptions_code
  ON uplink_redemptions (code) WHERE outcome = 'accepted';
`;

export interface UplinkState {
  readonly db: Db;
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  number(key: string): number;
  close(): void;
}

/** The uplink's state over the gateway's store, or over memory when none is given. */
export function uplinkState(db?: Db): UplinkState {
  const own = db === undefined;
  const store = db ?? new BetterSqlite3(':memory:');
  store.exec(schema);
  const read = store.prepare('SELECT value FROM uplink_state WHERE key = ?').pluck();
  const write = store.prepare(
    'INSERT INTO uplink_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  const get = (key: string) => read.get(key) as string | undefined;
  return {
    db: store,
    get,
    set: (key, value) => void write.run(key, value),
    number: (key) => Number(get(key) ?? 0),
    close: () => {
      if (own) store.close();
    },
  };
}
