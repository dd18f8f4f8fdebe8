import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  backlogGuard,
  OutboxLimits,
  openStore,
  outbox,
  reclaimSpace,
  type Store,
  type StoreAlarm,
  watchOutbox,
} from '../../../edge/store/index.ts';
import type { AudienceMinute } from '../../../protocol/index.ts';
import { manualClock, tempDir, testContext } from '../../support/context.ts';
import { smallDisk } from '../../support/small-disk.ts';

const minute = (at: number, padding = 0): AudienceMinute => ({
  camera: `cam-${'x'.repeat(padding)}`.slice(0, 64),
  minute: at,
  frames: 120,
  peopleMean: 2.5,
  peopleMax: 4,
  source: 'footage',
  lineage: { model: 'movenet-multipose', modelVersion: '3.0.4', backend: 'wasm' },
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function freshStore(folder?: string): { store: Store; file: string } {
  let path = folder;
  if (!path) {
    const dir = tempDir();
    cleanups.push(dir.remove);
    path = dir.path;
  }
  const file = join(path, 'gateway.db');
  const store = openStore(file, testContext());
  cleanups.push(() => store.db.open && store.close());
  return { store, file };
}

const fileBytes = (file: string) =>
  ['', '-wal'].reduce((sum, suffix) => {
    const path = `${file}${suffix}`;
    return sum + (existsSync(path) ? statSync(path).size : 0);
  }, 0);

describe('outbox limits', () => {
  it('alarms near the size limit before it lets anything go, then drops the oldest only', () => {
    const { store } = freshStore();
    const box = outbox(store.db);
    const clock = manualClock();
    const alarms: StoreAlarm[] = [];
    // About 330 bytes a record: 0.05 MB holds some 150 of them, the warning comes at 80 %.
    const limits = OutboxLimits.parse({ maxMegabytes: 0.05, warnAtPercent: 80 });
    const watch = watchOutbox(
      {
        db: store.db,
        outbox: box,
        limits,
        confirmedRetentionHours: 0,
        alarm: (alarm) => void alarms.push(alarm),
      },
      testContext(clock),
    );
    cleanups.push(watch.stop);

    let appended = 0;
    while (alarms.length === 0) {
      box.append({ kind: 'audience.minute', at: clock.now() + appended, data: minute(appended) });
      appended += 1;
      watch.check();
    }
    expect(alarms.map((alarm) => alarm.code)).toEqual(['backlog-near-limit']);
    expect(box.position('audience').lastSeq).toBe(appended);
    expect(box.after('audience', 0, 10_000)).toHaveLength(appended);

    for (let more = 0; more < 100; more += 1) {
      box.append({ kind: 'audience.minute', at: clock.now() + appended, data: minute(appended) });
      appended += 1;
    }
    watch.check();

    const kept = box.after('audience', 0, 10_000).map((record) => record.seq);
    const report = watch.report();
    expect(alarms.map((alarm) => alarm.code)).toEqual(['backlog-near-limit', 'backlog-dropped']);
    expect(report.level).toBe('over');
    expect(report.bytes).toBeLessThanOrEqual(0.05 * 1024 * 1024);
    expect(kept.at(-1)).toBe(appended);
    expect(kept).toEqual(
      Array.from({ length: kept.length }, (_, i) => appended - kept.length + i + 1),
    );
    expect(report.dropped).toBe(appended - kept.length);
  });

  it('lets unconfirmed records go by age only past the age limit, and never confirmed ones first', () => {
    const { store } = freshStore();
    const box = outbox(store.db);
    const guard = backlogGuard(store.db, OutboxLimits.parse({ maxAgeHours: 10 }));
    const hour = 3_600_000;
    for (let h = 0; h < 12; h += 1)
      box.append({ kind: 'audience.minute', at: h * hour, data: minute(h) });

    const near = guard.check(10 * hour);
    const over = guard.check(12 * hour + 1);

    expect(near).toMatchObject({ level: 'near', dropped: 0, records: 12 });
    expect(over).toMatchObject({ level: 'over', dropped: 3, records: 9 });
    expect(box.after('audience', 0, 100).map((record) => record.seq)[0]).toBe(4);
  });
});

describe('disk full', () => {
  it('alarms, holds records in memory, keeps the file sound and writes them once space returns', () => {
    const disk = smallDisk(4);
    cleanups.push(disk.remove);
    const { store, file } = freshStore(disk.path);
    const box = outbox(store.db);
    const events: boolean[] = [];
    box.onFull((full) => void events.push(full));
    console.info(`disk full ran on: ${disk.kind}`);

    // Fill what is left of the folder, or cap the file at its current size.
    const filler = join(disk.path, 'filler');
    if (disk.kind === 'tmpfs') fillUp(filler);
    else store.db.pragma(`max_page_count = ${store.db.pragma('page_count', { simple: true })}`);

    let written = 0;
    for (let i = 0; i < 3000 && box.space().held === 0; i += 1) {
      box.appendOrHold({ kind: 'audience.minute', at: i, data: minute(i, 40) });
      if (box.space().held === 0) written += 1;
    }
    for (let i = 0; i < 50; i += 1) {
      box.appendOrHold({ kind: 'audience.minute', at: 10_000 + i, data: minute(i, 40) });
    }
    expect(box.space()).toMatchObject({ full: true, lost: 0 });
    expect(box.space().held).toBeGreaterThan(50);
    expect(() => box.append({ kind: 'audience.minute', at: 0, data: minute(0) })).toThrow(
      expect.objectContaining({ code: 'SB_ERR_STORE_FULL' }),
    );
    const held = box.space().held;

    if (disk.kind === 'tmpfs') rmSync(filler);
    else store.db.pragma('max_page_count = 1073741823');
    expect(box.retryHeld()).toBe(true);

    expect(events).toEqual([true, false]);
    expect(box.space()).toEqual({ full: false, held: 0, lost: 0 });
    expect(box.position('audience').lastSeq).toBe(written + held);
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    store.close();
    const reopened = openStore(file, testContext());
    expect(reopened.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(outbox(reopened.db).position('audience').lastSeq).toBe(written + held);
    reopened.close();
  });
});

describe('space', () => {
  it('gives the pages of confirmed records back to the file system', () => {
    const { store, file } = freshStore();
    const box = outbox(store.db);
    const insert = store.db.transaction(() => {
      for (let i = 0; i < 20_000; i += 1) {
        box.append({ kind: 'audience.minute', at: i, data: minute(i, 40) });
      }
    });
    insert();
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const full = fileBytes(file);

    box.confirm('audience', 20_000);
    box.prune(Number.MAX_SAFE_INTEGER);
    reclaimSpace(store.db);
    const reclaimed = fileBytes(file);

    console.info(`outbox file ${full} bytes with 20000 records, ${reclaimed} after confirmation`);
    expect(full).toBeGreaterThan(4_000_000);
    expect(reclaimed).toBeLessThan(full / 10);
    expect(box.append({ kind: 'audience.minute', at: 1, data: minute(1) })).toBe(20_001);
  });

  it('switches a file made before incremental vacuum over to it when opened', () => {
    const dir = tempDir();
    cleanups.push(dir.remove);
    const file = join(dir.path, 'old.db');
    const old = new Database(file);
    old.exec("CREATE TABLE kept (value TEXT); INSERT INTO kept VALUES ('still here')");
    old.close();

    const store = openStore(file, testContext());

    expect(store.db.pragma('auto_vacuum', { simple: true })).toBe(2);
    expect(store.db.prepare('SELECT value FROM kept').pluck().get()).toBe('still here');
    store.close();
  });
});

function fillUp(file: string) {
  const chunk = Buffer.alloc(64 * 1024);
  for (;;) {
    try {
      writeFileSync(file, chunk, { flag: 'a' });
    } catch {
      return;
    }
  }
}
