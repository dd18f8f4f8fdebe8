import { type Kysely, sql } from 'kysely';
import type { StreamName, UplinkRecord } from '../../protocol/index.ts';
import { type Database, dialectOf } from '../store/index.ts';
import { deriveFacts } from './derive.ts';
import { addFacts } from './rollup.ts';
import { type InsightsDb, insightsDb } from './schema.ts';

export interface Batch {
  gateway: string;
  stream: StreamName;
  /** The cursor the pull was asked from. */
  after: number;
  records: readonly UplinkRecord[];
}

/** Makes sure a cursor row exists for a gateway's stream and returns where it stands. */
export async function loadCursor(
  db: Kysely<Database>,
  gateway: string,
  stream: StreamName,
  now: number,
) {
  await db
    .insertInto('cursors')
    .values({ gateway, stream, seq: 0, updated_at: now })
    .onConflict((conflict) => conflict.columns(['gateway', 'stream']).doNothing())
    .execute();
  const row = await db
    .selectFrom('cursors')
    .select('seq')
    .where('gateway', '=', gateway)
    .where('stream', '=', stream)
    .executeTakeFirstOrThrow();
  return row.seq;
}

/**
 * Stores a pulled batch and moves the cursor in one transaction. The cursor moves only from
 * where the pull was asked (`after`), so a batch that lost a race to another replica or to
 * an earlier answer stores nothing; records already held are ignored by the unique key.
 * Returns the new cursor and how many records were new, or null when the cursor had moved.
 */
export async function storeBatch(
  db: Kysely<Database>,
  batch: Batch,
  now: number,
): Promise<{ cursor: number; stored: number } | null> {
  const fresh = batch.records.filter((record) => record.seq > batch.after);
  const cursor = fresh.reduce((highest, record) => Math.max(highest, record.seq), batch.after);
  const claim = dialectOf(db) === 'postgres' ? claimOnPostgres : claimOnSqlite;

  return db.transaction().execute(async (trx) => {
    const inserted = await claim(trx, batch, fresh, cursor, now);
    if (!inserted) return null;

    // Derived in the same transaction from the records new to the store, so a resend or a
    // replay adds nothing to the rollups and a failure leaves neither half written.
    const added =
      inserted.size === fresh.length ? fresh : fresh.filter((record) => inserted.has(record.seq));
    await deriveBatch(trx, batch.gateway, added, now);
    return { cursor, stored: inserted.size };
  });
}

type Claim = (
  trx: Kysely<Database>,
  batch: Batch,
  fresh: readonly UplinkRecord[],
  cursor: number,
  now: number,
) => Promise<Set<number> | null>;

// JSON text never holds a raw control character (JSON.stringify escapes them all), so the
// record separator joins the data of a batch into one parameter PostgreSQL splits cheaply.
const dataSeparator = '\u001e';

/**
 * Moves the cursor from `after` and inserts the records it does not hold yet, in one
 * statement: the columns travel as arrays that PostgreSQL unnests, so a batch costs one round
 * trip and one short statement to parse however many records it carries.
 * Returns the sequences inserted, or null when the cursor had moved.
 */
const claimOnPostgres: Claim = async (trx, batch, fresh, cursor, now) => {
  const data = fresh.map((record) => JSON.stringify(record.data)).join(dataSeparator);
  const { rows } = await sql<{ moved: number; inserted: string[] }>`
    with moved as (
      update cursors set seq = ${cursor}, updated_at = ${now}
      where gateway = ${batch.gateway} and stream = ${batch.stream} and seq = ${batch.after}
      returning 1
    ), inserted as (
      insert into records (gateway, stream, seq, kind, at, data, stored_at)
      select ${batch.gateway}, ${batch.stream}, record.seq, record.kind, record.at, record.data,
        ${now}
      from unnest(
        ${fresh.map((record) => record.seq)}::bigint[],
        ${fresh.map((record) => record.kind)}::text[],
        ${fresh.map((record) => record.at)}::bigint[],
        string_to_array(${data}, chr(30))
      ) as record(seq, kind, at, data)
      where exists (select from moved)
      on conflict (gateway, stream, seq) do nothing
      returning seq
    )
    select (select count(*)::int from moved) as moved,
      array(select seq from inserted) as inserted`.execute(trx);
  const answer = rows[0];
  if (answer?.moved !== 1) return null;

  return new Set(answer.inserted.map(Number));
};

// SQLite allows 32766 bound values per statement; 7 columns a row keeps well inside it.
const rowsPerInsert = 500;

const claimOnSqlite: Claim = async (trx, batch, fresh, cursor, now) => {
  const moved = await trx
    .updateTable('cursors')
    .set({ seq: cursor, updated_at: now })
    .where('gateway', '=', batch.gateway)
    .where('stream', '=', batch.stream)
    .where('seq', '=', batch.after)
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) !== 1) return null;

  const inserted = new Set<number>();
  for (let start = 0; start < fresh.length; start += rowsPerInsert) {
    const rows = fresh.slice(start, start + rowsPerInsert).map((record) => ({
      gateway: batch.gateway,
      stream: batch.stream,
      seq: record.seq,
      kind: record.kind,
      at: record.at,
      data: JSON.stringify(record.data),
      stored_at: now,
    }));
    const result = await trx
      .insertInto('records')
      .values(rows)
      .onConflict((conflict) => conflict.columns(['gateway', 'stream', 'seq']).doNothing())
      .returning('seq')
      .execute();
    for (const row of result) inserted.add(Number(row.seq));
  }
  return inserted;
};

/** The branch a gateway serves and its time zone, or null for a gateway not enrolled. */
export async function gatewayBranch(db: InsightsDb, gateway: string) {
  const row = await db
    .selectFrom('gateways')
    .innerJoin('branches', 'branches.id', 'gateways.branch')
    .select(['branches.id as id', 'branches.time_zone as timeZone'])
    .where('gateways.id', '=', gateway)
    .executeTakeFirst();
  return row ?? null;
}

async function deriveBatch(
  db: Kysely<Database>,
  gateway: string,
  records: readonly UplinkRecord[],
  now: number,
) {
  if (records.length === 0) return;

  const insights = insightsDb(db);
  const branch = await gatewayBranch(insights, gateway);
  if (!branch) return;

  await addFacts(insights, branch, deriveFacts(records), records.length, now);
}

/** A gateway's stored records of one stream, in sequence order. */
export async function readRecords(
  db: Kysely<Database>,
  gateway: string,
  stream: StreamName,
): Promise<UplinkRecord[]> {
  const rows = await db
    .selectFrom('records')
    .select(['seq', 'at', 'kind', 'data'])
    .where('gateway', '=', gateway)
    .where('stream', '=', stream)
    .orderBy('seq')
    .execute();
  return rows.map(
    (row) =>
      ({ seq: row.seq, at: row.at, kind: row.kind, data: JSON.parse(row.data) }) as UplinkRecord,
  );
}

export interface StreamFigures {
  gateway: string;
  stream: StreamName;
  records: number;
  cursor: number;
}

/** Records stored and the cursor, per gateway and stream. */
export async function streamFigures(db: Kysely<Database>): Promise<StreamFigures[]> {
  const counts = await db
    .selectFrom('records')
    .select(['gateway', 'stream', (eb) => eb.fn.countAll<number>().as('records')])
    .groupBy(['gateway', 'stream'])
    .execute();
  const cursors = await db.selectFrom('cursors').select(['gateway', 'stream', 'seq']).execute();
  const countOf = new Map(
    counts.map((row) => [`${row.gateway}/${row.stream}`, Number(row.records)]),
  );
  return cursors
    .map((row) => ({
      gateway: row.gateway,
      stream: row.stream as StreamName,
      records: countOf.get(`${row.gateway}/${row.stream}`) ?? 0,
      cursor: row.seq,
    }))
    .sort((a, b) => a.gateway.localeCompare(b.gateway) || a.stream.localeCompare(b.stream));
}
