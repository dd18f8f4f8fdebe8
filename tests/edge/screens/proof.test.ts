import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { proofOfPlay } from '../../../edge/screens/proof.ts';
import { openStore } from '../../../edge/store/index.ts';
import type { PlayHour } from '../../../protocol/index.ts';
import { manualClock, tempDir, testContext } from '../../support/context.ts';
import { cleanupAfterAll } from '../../support/services.ts';

const cleanup = cleanupAfterAll();
const at = (iso: string) => Date.parse(iso);

function proofAt(now: number) {
  const dir = tempDir('sb-screens-proof-');
  const context = testContext(manualClock(now));
  const store = openStore(join(dir.path, 'gateway.db'), context);
  cleanup(() => {
    store.close();
    dir.remove();
  });
  const records: PlayHour[] = [];
  const proof = proofOfPlay({
    db: store.db,
    clock: context.clock,
    timeZone: 'Asia/Shanghai',
    kAnonymity: 5,
    recordPlay: (record) => void records.push(record),
  });
  return { proof, records };
}

const none = { viewers: 0, attentionSeconds: 0, ages: {} };

describe('proof of play', () => {
  it('rolls plays up per screen, item and local hour on both sides of midnight', () => {
    const { proof, records } = proofAt(at('2026-03-11T03:00:00+08:00'));
    const play = (id: string, from: string, to: string, completed = true) =>
      proof.record(
        'p1',
        'tv-1',
        {
          playId: id,
          item: 'night-rate',
          campaign: 'night-owl',
          startedAt: at(from),
          endedAt: at(to),
          completed,
        },
        { viewers: 3, attentionSeconds: 4, ages: { '55-64': 3 } },
      );

    expect(play('a', '2026-03-10T23:59:40+08:00', '2026-03-10T23:59:50+08:00')).toBeNull();
    expect(play('b', '2026-03-10T23:59:50+08:00', '2026-03-11T00:00:00+08:00')).toBeNull();
    expect(play('c', '2026-03-11T00:00:00+08:00', '2026-03-11T00:00:04+08:00', false)).toBeNull();
    const rolled = proof.rollUp(at('2026-03-11T03:00:00+08:00'));

    expect(rolled).toBe(2);
    expect(
      records.map((r) => [r.hour, r.plays, r.completed, r.cut, r.playedMs, r.viewers, r.campaign]),
    ).toEqual([
      [at('2026-03-10T23:00:00+08:00'), 2, 2, 0, 20_000, 6, 'night-owl'],
      [at('2026-03-11T00:00:00+08:00'), 1, 0, 1, 4000, 3, 'night-owl'],
    ]);
    expect(proof.rollUp(at('2026-03-11T03:00:00+08:00'))).toBe(0);
  });

  it('keeps age bands under k viewers out of the histogram', () => {
    const { proof, records } = proofAt(at('2026-03-11T12:00:00+08:00'));
    proof.record(
      'p1',
      'tv-1',
      {
        playId: 'a',
        item: 'x',
        startedAt: at('2026-03-11T10:00:00+08:00'),
        endedAt: at('2026-03-11T10:00:10+08:00'),
        completed: true,
      },
      { viewers: 9, attentionSeconds: 2, ages: { '25-34': 6, '65+': 3 } },
    );
    proof.rollUp(at('2026-03-11T12:00:00+08:00'));

    expect(records[0]).toMatchObject({ ages: { '25-34': 6 }, suppressed: 3 });
  });

  it('refuses zero-length, overlapping and far-future plays', () => {
    const now = at('2026-03-11T12:00:00+08:00');
    const { proof } = proofAt(now);
    const report = (id: string, startedAt: number, endedAt: number) =>
      proof.record(
        'p1',
        'tv-1',
        { playId: id, item: 'x', startedAt, endedAt, completed: true },
        none,
      );

    expect(report('zero', now - 5000, now - 5000)).toMatch(/shorter than 1000 ms/);
    expect(report('half', now - 5000, now - 4500)).toMatch(/shorter/);
    expect(report('ok', now - 20_000, now - 10_000)).toBeNull();
    expect(report('overlap', now - 15_000, now - 5000)).toMatch(/overlaps/);
    expect(report('future', now + 60_000, now + 70_000)).toMatch(/outside/);
    expect(proof.total()).toBe(1);
  });
});
