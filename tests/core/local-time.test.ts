import { describe, expect, it } from 'vitest';
import { BranchCalendar } from '../../cloud/leads/calendar.ts';
import { addDays, instantsAt, isTimeZone, localParts, offsetMs } from '../../core/index.ts';

describe('local time in a branch zone', () => {
  it('reads the wall clock on both sides of a daylight saving change', () => {
    const beforeSpring = Date.parse('2026-03-29T00:59:00Z');
    const afterSpring = Date.parse('2026-03-29T01:00:00Z');

    expect(localParts(beforeSpring, 'Europe/Berlin')).toMatchObject({
      date: '2026-03-29',
      weekday: 0,
      hour: 1,
      minute: 59,
    });
    expect(localParts(afterSpring, 'Europe/Berlin')).toMatchObject({ hour: 3, minute: 0 });
    expect([
      offsetMs(beforeSpring, 'Europe/Berlin'),
      offsetMs(afterSpring, 'Europe/Berlin'),
    ]).toEqual([3_600_000, 7_200_000]);
  });

  it('finds no instant in the spring gap and two in the autumn hour', () => {
    expect(instantsAt('2026-03-29', 2, 30, 'Europe/Berlin')).toEqual([]);
    expect(instantsAt('2026-10-25', 2, 30, 'Europe/Berlin')).toEqual([
      Date.parse('2026-10-25T00:30:00Z'),
      Date.parse('2026-10-25T01:30:00Z'),
    ]);
  });

  it('counts days on the calendar across month and year ends', () => {
    expect([addDays('2026-02-28', 1), addDays('2026-12-31', 1), addDays('2026-03-01', -1)]).toEqual(
      ['2026-03-01', '2027-01-01', '2026-02-28'],
    );
  });

  it('knows real zone names and refuses others, also in a working calendar', () => {
    expect([isTimeZone('Asia/Shanghai'), isTimeZone('Mars/Base'), isTimeZone('')]).toEqual([
      true,
      false,
      false,
    ]);
    const refused = BranchCalendar.safeParse({ timeZone: 'Mars/Base' });
    expect(refused.error?.issues.map((issue) => [issue.path, issue.message])).toEqual([
      [['timeZone'], 'is not an IANA time zone'],
    ]);
  });
});
