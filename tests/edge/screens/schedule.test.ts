import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localParts } from '../../../core/index.ts';
import { occurrencesBetween } from '../../../edge/screens/repeat.ts';
import { ids, playlist, programmeAt } from './scheduling.ts';

const at = (iso: string) => Date.parse(iso);
const evening = playlist({
  id: 'evening',
  campaign: 'night-owl',
  priority: 5,
  items: [{ content: 'night-rate', durationMs: 10_000 }],
  schedule: { dayparts: [{ from: '22:00', to: '02:00' }] },
});
const fallback = playlist({
  id: 'default',
  items: [
    { content: 'welcome', durationMs: 10_000 },
    { content: 'cards', durationMs: 10_000 },
  ],
});

describe('dayparting across midnight (Asia/Shanghai, 22:00–02:00 every day)', () => {
  const scene = { timeZone: 'Asia/Shanghai', playlists: [evening, fallback] };

  it.each([
    '2026-03-10T22:00:00+08:00',
    '2026-03-10T23:30:00+08:00',
    '2026-03-11T00:00:00+08:00',
    '2026-03-11T01:59:59+08:00',
  ])('plays the evening content at %s', (instant) => {
    expect(ids(programmeAt(scene, at(instant)))).toEqual(['night-rate']);
  });

  it.each(['2026-03-10T21:59:59+08:00', '2026-03-11T02:00:00+08:00'])(
    'plays the default playlist at %s',
    (instant) => {
      expect(ids(programmeAt(scene, at(instant)))).toEqual(['welcome', 'cards']);
    },
  );

  it('counts a window that crosses midnight as part of the day it starts on', () => {
    const fridayNight = playlist({
      ...evening,
      id: 'friday-night',
      schedule: { dayparts: [{ days: [5], from: '22:00', to: '02:00' }] },
    });
    const fridayScene = { timeZone: 'Asia/Shanghai', playlists: [fridayNight, fallback] };

    // 2026-03-13 is a Friday: its window runs into Saturday morning, not into Friday's.
    expect(ids(programmeAt(fridayScene, at('2026-03-14T01:00:00+08:00')))).toEqual(['night-rate']);
    expect(ids(programmeAt(fridayScene, at('2026-03-13T01:00:00+08:00')))).toEqual([
      'welcome',
      'cards',
    ]);
    expect(ids(programmeAt(fridayScene, at('2026-03-13T23:00:00+08:00')))).toEqual(['night-rate']);
  });

  it('ends a date range on the last day of the window that started inside it', () => {
    const ranged = playlist({
      ...evening,
      id: 'ranged',
      schedule: { endDate: '2026-03-10', dayparts: [{ from: '22:00', to: '02:00' }] },
    });
    const rangedScene = { timeZone: 'Asia/Shanghai', playlists: [ranged, fallback] };

    expect(ids(programmeAt(rangedScene, at('2026-03-11T01:00:00+08:00')))).toEqual(['night-rate']);
    expect(ids(programmeAt(rangedScene, at('2026-03-11T23:00:00+08:00')))).toEqual([
      'welcome',
      'cards',
    ]);
  });
});

const hourly = { every: 'hour', minute: 30 } as const;
const daily = { every: 'day', hour: 2, minute: 30 } as const;
const berlinTimes = (instants: number[]) =>
  instants.map((instant) => {
    const local = localParts(instant, 'Europe/Berlin');
    return `${local.date} ${String(local.hour).padStart(2, '0')}:${String(local.minute).padStart(2, '0')}`;
  });

describe('spots on DST change days (Europe/Berlin, 2026)', () => {
  it('skips 02:30 on 29 March without shifting later hourly slots', () => {
    const found = berlinTimes(
      occurrencesBetween(
        hourly,
        at('2026-03-29T00:00:00+01:00'),
        at('2026-03-30T00:00:00+02:00'),
        'Europe/Berlin',
      ),
    );

    expect(found.slice(0, 4)).toEqual([
      '2026-03-29 00:30',
      '2026-03-29 01:30',
      '2026-03-29 03:30',
      '2026-03-29 04:30',
    ]);
    expect(found).toHaveLength(23);
    expect(found).not.toContain('2026-03-29 02:30');
  });

  it('plays the hourly spot at both 02:30s on 25 October', () => {
    const instants = occurrencesBetween(
      hourly,
      at('2026-10-25T00:00:00+02:00'),
      at('2026-10-26T00:00:00+01:00'),
      'Europe/Berlin',
    );
    const found = berlinTimes(instants);

    expect(found).toHaveLength(25);
    expect(found.filter((time) => time === '2026-10-25 02:30')).toHaveLength(2);
    expect(instants[3]! - instants[2]!).toBe(3600_000);
  });

  it('plays the daily 02:30 spot once a day on every day around both changes', () => {
    const march = berlinTimes(
      occurrencesBetween(
        daily,
        at('2026-03-28T00:00:00+01:00'),
        at('2026-03-31T00:00:00+02:00'),
        'Europe/Berlin',
      ),
    );
    const october = occurrencesBetween(
      daily,
      at('2026-10-24T00:00:00+02:00'),
      at('2026-10-27T00:00:00+01:00'),
      'Europe/Berlin',
    );

    // In the gap the clock jumps over 02:30; the spot plays as far past the jump as it meant to.
    expect(march).toEqual(['2026-03-28 02:30', '2026-03-29 03:30', '2026-03-30 02:30']);
    expect(berlinTimes(october)).toEqual([
      '2026-10-24 02:30',
      '2026-10-25 02:30',
      '2026-10-26 02:30',
    ]);
    expect(october[1]).toBe(at('2026-10-25T02:30:00+02:00'));
  });

  it('puts the spot on screen at its minute and the loop back after its duration', () => {
    const spots = playlist({
      id: 'spots',
      items: [{ content: 'jingle', durationMs: 15_000, repeat: hourly }],
    });
    const scene = { timeZone: 'Europe/Berlin', playlists: [spots, fallback] };

    const spot = programmeAt(scene, at('2026-03-29T03:30:05+02:00'));
    expect(ids(spot)).toEqual(['jingle']);
    expect(spot.until).toBe(at('2026-03-29T03:30:15+02:00'));
    expect(ids(programmeAt(scene, at('2026-03-29T03:30:15+02:00')))).toEqual(['welcome', 'cards']);
    expect(ids(programmeAt(scene, at('2026-10-25T02:30:01+01:00')))).toEqual(['jingle']);
  });
});

describe('overlaps, overrides and the empty schedule', () => {
  const all = playlist({
    id: 'all-day',
    priority: 1,
    items: [{ content: 'all', durationMs: 10_000 }],
  });
  const lunch = playlist({
    id: 'lunch',
    priority: 1,
    items: [{ content: 'lunch', durationMs: 10_000 }],
    schedule: { dayparts: [{ from: '11:30', to: '13:30' }] },
  });
  const urgent = playlist({
    id: 'urgent',
    priority: 9,
    items: [{ content: 'urgent', durationMs: 10_000 }],
    schedule: { startDate: '2026-05-01', endDate: '2026-05-01' },
  });
  const noon = at('2026-05-01T12:00:00+08:00');

  it('gives an overlap to the higher priority, then to the most specific window', () => {
    const scene = { timeZone: 'Asia/Shanghai', playlists: [all, lunch, urgent] };

    expect(ids(programmeAt(scene, noon))).toEqual(['urgent']);
    expect(ids(programmeAt(scene, at('2026-05-02T12:00:00+08:00')))).toEqual(['lunch']);
    expect(ids(programmeAt(scene, at('2026-05-02T15:00:00+08:00')))).toEqual(['all']);
  });

  it('resolves equal playlists by id, whatever their order', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(
          [
            all,
            lunch,
            urgent,
            playlist({ id: 'aaa', priority: 1, items: [{ content: 'aaa', durationMs: 5000 }] }),
          ],
          { minLength: 4 },
        ),
        (order) => {
          expect(
            ids(
              programmeAt(
                { timeZone: 'Asia/Shanghai', playlists: order },
                at('2026-05-02T15:00:00+08:00'),
              ),
            ),
          ).toEqual(['aaa']);
        },
      ),
    );
  });

  it('lets an override interrupt everything until it ends', () => {
    const endsAt = noon + 5 * 60_000;
    const scene = {
      timeZone: 'Asia/Shanghai',
      playlists: [urgent],
      overrides: [{ override: { id: 'fire-drill', title: 'Fire drill', minutes: 5 }, endsAt }],
    };

    expect(programmeAt(scene, noon)).toMatchObject({ reason: 'override', until: endsAt });
    expect(ids(programmeAt(scene, endsAt))).toEqual(['urgent']);
  });

  it('shows the theme playlist, and without a theme the idle page, never a blank', () => {
    const theme = playlist({
      id: 'theme:home',
      priority: -1_000_000,
      items: [{ content: 'theme-1', durationMs: 10_000 }],
    });

    expect(ids(programmeAt({ timeZone: 'Asia/Shanghai', playlists: [], theme }, noon))).toEqual([
      'theme-1',
    ]);
    expect(programmeAt({ timeZone: 'Asia/Shanghai', playlists: [] }, noon)).toMatchObject({
      reason: 'idle',
      items: [{ id: 'idle' }],
    });
    expect(
      programmeAt({ timeZone: 'Asia/Shanghai', playlists: [lunch], unavailable: ['lunch'] }, noon),
    ).toMatchObject({ reason: 'idle' });
  });

  it('never returns a programme without items, whatever the playlists and the time', () => {
    const daypart = fc.record({
      from: fc.constantFrom('00:00', '06:30', '22:00', '23:59'),
      to: fc.constantFrom('00:00', '02:00', '12:00', '24:00'),
    });
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            priority: fc.integer({ min: -3, max: 3 }),
            parts: fc.array(daypart, { minLength: 1, maxLength: 3 }),
          }),
          { maxLength: 5 },
        ),
        fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2027-01-01T00:00:00Z') }),
        (lists, now) => {
          const playlists = lists.map((list, index) =>
            playlist({
              id: `p${index}`,
              priority: list.priority,
              items: [{ content: `c${index}`, durationMs: 1000 }],
              schedule: { dayparts: list.parts },
            }),
          );
          expect(
            programmeAt({ timeZone: 'Europe/Berlin', playlists }, now).items.length,
          ).toBeGreaterThan(0);
        },
      ),
    );
  });
});

describe('durations', () => {
  it('refuses 0, −5, NaN and "10" and names the item', () => {
    for (const [durationMs, index] of [
      [0, 1],
      [-5, 1],
      [Number.NaN, 1],
      ['10', 1],
    ] as const) {
      const result = (() => {
        try {
          playlist({
            id: 'bad',
            items: [
              { content: 'image-a', durationMs: 10_000 },
              { content: 'image-b', durationMs },
              { content: 'page-c', durationMs: 10_000 },
            ],
          });
          return null;
        } catch (err) {
          return (err as { issues: { path: unknown[]; message: string }[] }).issues;
        }
      })();

      expect(result).toHaveLength(1);
      expect(result?.[0]?.path).toEqual(['items', index, 'durationMs']);
      expect(result?.[0]?.message).toContain('item image-b');
    }
  });

  it('refuses a screen whose only item has duration 0', () => {
    expect(() =>
      playlist({ id: 'only', items: [{ content: 'only-item', durationMs: 0 }] }),
    ).toThrow(/item only-item \(items\.0\)/);
  });
});
