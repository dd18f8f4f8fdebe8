import type { Kysely } from 'kysely';
import { loadCursor } from '../cloud/insights/ingest.ts';
import type { Database } from '../cloud/store/index.ts';

export { figures, insightsDb, series, storeBatch } from '../cloud/insights/index.ts';

export const loadCursorForBench = (db: Kysely<Database>, gateway: string, now: number) =>
  loadCursor(db, gateway, 'audience', now);
