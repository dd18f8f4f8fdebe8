import type { Kysely } from 'kysely';
import { loadCursor } from '../cloud/insights/ingest.ts';
import type { Database } from '../cloud/store/index.ts';
import type { UplinkRecord } from '../protocol/index.ts';

export { figures, insightsDb, series, storeBatch } from '../cloud/insights/index.ts';

export const loadCursorForBench = (db: Kysely<Database>, gateway: string, now: number) =>
  loadCursor(db, gateway, 'audience', now);

const lineage = { model: 'm', modelVersion: '1', backend: 'wasm' } as const;

/** Zone minutes of one gateway's pull, from minute `start` after `at0`, as a branch sends them. */
export function zoneRecords(start: number, count: number, at0: number): UplinkRecord[] {
  return Array.from({ length: count }, (_, index) => {
    const minute = at0 + (start + index) * 60_000;
    return {
      seq: start + index + 1,
      at: minute,
      kind: 'audience.zone-minute',
      data: {
        camera: 'hall',
        zone: `zone-${index % 4}`,
        zoneKind: 'waiting',
        minute,
        frames: 60,
        entries: 2,
        exits: 2,
        occupancyMean: 3,
        occupancyMax: 4,
        visits: 2,
        dwellSeconds: { '0-5': 0, '5-15': 1, '15-30': 1, '30-60': 0, '60+': 0 },
        attentionSeconds: 4,
        source: 'synthetic',
        confidence: 0.9,
        lineage,
      },
    };
  });
}
