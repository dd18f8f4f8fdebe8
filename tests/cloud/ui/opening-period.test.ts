import { describe, expect, it } from 'vitest';
import { openingPeriod } from '../../../cloud/ui/insights-routes.ts';

describe('the period an insights page opens on', () => {
  const evening = Date.parse('2026-12-04T20:00:00Z');

  it('ends on the local date of a branch already in tomorrow, east of Greenwich', () => {
    expect(openingPeriod({}, evening, ['Asia/Shanghai'])).toEqual({
      from: '2026-11-29',
      to: '2026-12-05',
    });
  });

  it('ends on the latest local date among the branches shown', () => {
    const zones = ['America/New_York', 'Europe/London', 'Pacific/Kiritimati', 'Asia/Shanghai'];
    expect(openingPeriod({}, evening, zones).to).toBe('2026-12-05');
    expect(openingPeriod({}, Date.parse('2026-12-04T09:00:00Z'), zones).to).toBe('2026-12-04');
  });

  it('keeps the UTC date when every branch is west of Greenwich, or none is shown', () => {
    expect(openingPeriod({}, evening, ['America/New_York']).to).toBe('2026-12-04');
    expect(openingPeriod({}, evening, [])).toEqual({ from: '2026-11-28', to: '2026-12-04' });
  });

  it('keeps the dates the query asks for', () => {
    const query = { from: '2026-05-13', to: '2026-05-19' };
    expect(openingPeriod(query, evening, ['Asia/Shanghai'])).toEqual(query);
    expect(openingPeriod({ to: '2026-05-19' }, evening, ['Asia/Shanghai']).from).toBe('2026-05-13');
  });
});
