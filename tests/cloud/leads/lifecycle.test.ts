import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWorkingMinutes, BranchCalendar } from '../../../cloud/leads/index.ts';
import { storeDialects } from '../support.ts';
import { type LeadsFixture, leadsFixture, qrLead } from './fixture.ts';

const calendar = {
  calendars: {
    north: { timeZone: 'Asia/Shanghai', openHour: 9, closeHour: 17, holidays: ['2026-01-07'] },
  },
  slaWorkingMinutes: 120,
};

describe.each(await storeDialects())('lead life cycle on %s', (dialect) => {
  let fixture: LeadsFixture;
  beforeAll(async () => {
    fixture = await leadsFixture(dialect, calendar);
  });
  afterAll(() => fixture.close());

  const viewer = (name: 'rm-ann' | 'rm-bob' | 'bm-north') => fixture.users[name];

  it('assigns leads round-robin among the on-duty managers who have the product skill', async () => {
    const first = await fixture.leads.capture(qrLead({ phone: '13800138001' }));
    const second = await fixture.leads.capture(qrLead({ phone: '13800138002' }));
    const third = await fixture.leads.capture(qrLead({ phone: '13800138003' }));
    const mortgage = await fixture.leads.capture(
      qrLead({ phone: '13800138004', product: 'mortgage' }),
    );

    const pair = [first.assignee, second.assignee].sort();
    expect(pair).toEqual([viewer('rm-ann').id, viewer('rm-bob').id].sort());
    expect(third.assignee).toBe(first.assignee);
    expect(mortgage.assignee).toBe(viewer('rm-ann').id);
  });

  it('puts a lead in the pool when no one on duty has the skill, and lets a manager claim it', async () => {
    const pooled = await fixture.leads.capture(qrLead({ phone: '13800138005', product: 'loan' }));
    expect(pooled.assignee).toBeNull();

    const bobSees = await fixture.leads.list(viewer('rm-bob'));
    expect(bobSees.map((lead) => lead.id)).toContain(pooled.id);

    await fixture.leads.claim(viewer('rm-bob'), pooled.id);
    const annSees = await fixture.leads.list(viewer('rm-ann'));
    expect(annSees.map((lead) => lead.id)).not.toContain(pooled.id);
    await expect(fixture.leads.claim(viewer('rm-ann'), pooled.id)).rejects.toMatchObject({
      code: 'SB_ERR_NOT_FOUND',
    });
  });

  it('walks new, contacted, qualified, won and after-sales, each step stamped with who and when', async () => {
    const { id } = await fixture.leads.capture(
      qrLead({ phone: '13800138006', product: 'mortgage' }),
    );
    const ann = viewer('rm-ann');
    await fixture.leads.step(ann, id, { to: 'contacted', note: 'called, wants a call back' });
    fixture.context.clock.advance(60_000);
    await fixture.leads.step(ann, id, { to: 'qualified' });
    await fixture.leads.step(ann, id, { to: 'won' });
    await fixture.leads.step(ann, id, { to: 'after-sales', note: 'satisfied; next offer: card' });
    await fixture.leads.note(ann, id, 'sent the card brochure');

    const lead = await fixture.leads.get(ann, id);
    expect(lead.state).toBe('after-sales');
    expect(lead.history.map((event) => event.to ?? event.kind)).toEqual([
      'contacted',
      'qualified',
      'won',
      'after-sales',
      'note',
    ]);
    expect(lead.history.every((event) => event.by === ann.id)).toBe(true);
    expect(lead.history[1]?.at).toBe((lead.history[0]?.at ?? 0) + 60_000);
    expect(lead.history[0]?.note).toBe('called, wants a call back');
  });

  it('refuses a step out of order and a lost lead without its reason', async () => {
    const { id } = await fixture.leads.capture(qrLead({ phone: '13800138007' }));
    const lead = (await fixture.leads.list(viewer('bm-north'))).find((each) => each.id === id);
    const owner = lead?.assignee === viewer('rm-ann').id ? viewer('rm-ann') : viewer('rm-bob');

    await expect(fixture.leads.step(owner, id, { to: 'won' })).rejects.toMatchObject({
      code: 'SB_ERR_CONFLICT',
    });
    await expect(fixture.leads.step(owner, id, { to: 'lost' })).rejects.toMatchObject({
      code: 'SB_ERR_INVALID_REQUEST',
      path: 'reason',
    });
    const lost = await fixture.leads.step(owner, id, { to: 'lost', reason: 'already a customer' });
    expect(lost.lostReason).toBe('already a customer');
  });

  it('scores by the stated rules and shows the reasons, a returning phone number included', async () => {
    const first = await fixture.leads.capture(
      qrLead({
        phone: '13900139000',
        product: 'mortgage',
        benefit: 'cash-back',
        advisoryDwellCount: 2,
      }),
    );
    const again = await fixture.leads.capture(
      qrLead({ phone: '+8613900139000', product: 'account' }),
    );
    const bm = viewer('bm-north');

    const firstView = await fixture.leads.get(bm, first.id);
    expect(firstView.score).toBe(40 + 15 + 10);
    expect(firstView.scoreReasons.map((reason) => reason.rule)).toEqual([
      'product mortgage',
      'benefit taken',
      '2 advisory zone visits today',
    ]);
    const againView = await fixture.leads.get(bm, again.id);
    expect(againView.scoreReasons).toContainEqual({ rule: 'returning visitor', points: 20 });
    expect(againView.score).toBe(10 + 20);
  });

  it('escalates a new lead to the branch manager once its working-hour SLA has passed', async () => {
    const { id } = await fixture.leads.capture(qrLead({ phone: '13800138008' }));
    const before = await fixture.leads.get(viewer('bm-north'), id);
    expect(await fixture.leads.escalate()).not.toContain(id);

    fixture.context.clock.advance(before.slaDueAt - fixture.context.clock.now());
    expect(await fixture.leads.escalate()).toContain(id);
    expect(await fixture.leads.escalate()).not.toContain(id);
    const after = await fixture.leads.get(viewer('bm-north'), id);
    expect(after.escalatedTo).toBe(viewer('bm-north').id);
  });
});

describe('working hours', () => {
  const shanghai = BranchCalendar.parse({ timeZone: 'Asia/Shanghai', holidays: ['2026-01-07'] });

  it('counts only opening hours: a lead at 16:30 local is due at 10:30 the next working day', () => {
    // Monday 2026-01-05 16:30 in Shanghai is 08:30 UTC.
    const due = addWorkingMinutes(shanghai, Date.UTC(2026, 0, 5, 8, 30), 120);
    expect(new Date(due).toISOString()).toBe('2026-01-06T02:30:00.000Z');
  });

  it('skips weekends and listed holidays', () => {
    // Friday 2026-01-09 16:00 local: one hour on Friday, then Monday 09:00 to 10:00.
    const weekend = addWorkingMinutes(shanghai, Date.UTC(2026, 0, 9, 8, 0), 120);
    expect(new Date(weekend).toISOString()).toBe('2026-01-12T02:00:00.000Z');
    // Tuesday 2026-01-06 16:00 local, Wednesday a holiday: due Thursday 10:00.
    const holiday = addWorkingMinutes(shanghai, Date.UTC(2026, 0, 6, 8, 0), 120);
    expect(new Date(holiday).toISOString()).toBe('2026-01-08T02:00:00.000Z');
  });
});
