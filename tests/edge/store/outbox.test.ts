import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, outbox } from '../../../edge/store/index.ts';
import type { AudienceMinute } from '../../../protocol/index.ts';
import { tempDir, testContext } from '../../support/context.ts';

const minute = (at: number): AudienceMinute => ({
  camera: 'cam-1',
  minute: at,
  frames: 120,
  peopleMean: 2.5,
  peopleMax: 4,
  source: 'footage',
  lineage: { model: 'movenet-multipose', modelVersion: '3.0.4', backend: 'wasm' },
});

const dirs: { remove: () => void }[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) dir.remove();
});

function freshStore() {
  const dir = tempDir();
  dirs.push(dir);
  const file = join(dir.path, 'gateway.db');
  return { file, store: openStore(file, testContext()) };
}

describe('outbox', () => {
  it('numbers records per stream from 1 and hands them out after a cursor', () => {
    const { store } = freshStore();
    const box = outbox(store.db);

    const seqs = [0, 1, 2].map((i) =>
      box.append({ kind: 'audience.minute', at: 60_000 * i, data: minute(60_000 * i) }),
    );

    expect(seqs).toEqual([1, 2, 3]);
    expect(box.after('audience', 1, 10).map((record) => record.seq)).toEqual([2, 3]);
    expect(box.after('audience', 0, 2).map((record) => record.seq)).toEqual([1, 2]);
    expect(box.after('queue', 0, 10)).toEqual([]);
    store.close();
  });

  it('keeps every unconfirmed record and its numbering across a reopen', () => {
    const { file, store } = freshStore();
    outbox(store.db).append({ kind: 'audience.minute', at: 0, data: minute(0) });
    outbox(store.db).append({ kind: 'audience.minute', at: 60_000, data: minute(60_000) });
    store.close();

    const reopened = openStore(file, testContext());
    const box = outbox(reopened.db);
    const next = box.append({ kind: 'audience.minute', at: 120_000, data: minute(120_000) });

    expect(next).toBe(3);
    expect(box.position('audience')).toEqual({ lastSeq: 3, confirmedSeq: 0, backlog: 3 });
    reopened.close();
  });

  it('lets go only of confirmed records older than the retention age', () => {
    const { store } = freshStore();
    const box = outbox(store.db);
    for (let i = 0; i < 5; i++) {
      box.append({ kind: 'audience.minute', at: 60_000 * i, data: minute(60_000 * i) });
    }

    box.confirm('audience', 3);
    const pruned = box.prune(10 * 60_000);

    expect(pruned).toBe(3);
    expect(box.after('audience', 0, 10).map((record) => record.seq)).toEqual([4, 5]);
    expect(box.position('audience')).toEqual({ lastSeq: 5, confirmedSeq: 3, backlog: 2 });
  });

  it('never moves the confirmation backwards or past the last record', () => {
    const { store } = freshStore();
    const box = outbox(store.db);
    box.append({ kind: 'audience.minute', at: 0, data: minute(0) });
    box.append({ kind: 'audience.minute', at: 1, data: minute(1) });

    box.confirm('audience', 2);
    box.confirm('audience', 1);
    box.confirm('audience', 99);

    expect(box.position('audience').confirmedSeq).toBe(2);
  });

  it('refuses a record that fails its schema and stores nothing', () => {
    const { store } = freshStore();
    const box = outbox(store.db);
    const bad = { ...minute(0), faceCrop: 'base64...' } as AudienceMinute;

    expect(() => box.append({ kind: 'audience.minute', at: 0, data: bad })).toThrow(/faceCrop/);
    expect(box.position('audience').lastSeq).toBe(0);
  });
});
