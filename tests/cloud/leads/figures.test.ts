import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeDialects } from '../support.ts';
import { type LeadsFixture, leadsFixture, qrLead } from './fixture.ts';

const minute = 60_000;

describe.each(await storeDialects())(
  'HQ figures per campaign, branch and manager on %s',
  (dialect) => {
    let fixture: LeadsFixture;
    beforeAll(async () => {
      fixture = await leadsFixture(dialect);
      const ann = fixture.users['rm-ann'];
      const cat = fixture.users['rm-cat'];
      const won = await fixture.leads.capture(
        qrLead({ phone: '13800001001', product: 'mortgage', campaign: 'spring' }),
      );
      const lost = await fixture.leads.capture(
        qrLead({ phone: '13800001002', product: 'mortgage', campaign: 'spring' }),
      );
      await fixture.leads.capture(
        qrLead({ phone: '13800001003', branch: 'south', campaign: 'spring' }),
      );
      const summer = await fixture.leads.capture(
        qrLead({ phone: '13800001004', branch: 'south', campaign: 'summer', product: 'mortgage' }),
      );

      fixture.context.clock.advance(10 * minute);
      await fixture.leads.step(ann, won.id, { to: 'contacted' });
      await fixture.leads.step(ann, won.id, { to: 'qualified' });
      await fixture.leads.step(ann, won.id, { to: 'won' });
      fixture.context.clock.advance(20 * minute);
      await fixture.leads.step(ann, lost.id, { to: 'contacted' });
      await fixture.leads.step(ann, lost.id, { to: 'lost', reason: 'rate too high' });
      await fixture.leads.step(cat, summer.id, { to: 'contacted' });
    });
    afterAll(() => fixture.close());

    it('counts leads, wins, losses and conversion per campaign', async () => {
      const figures = await fixture.leads.figures(fixture.users.marketer, 'campaign');
      expect(figures).toEqual([
        {
          key: 'spring',
          leads: 3,
          contacted: 2,
          won: 1,
          lost: 1,
          conversionRate: 1 / 3,
          meanTimeToContactMs: 20 * minute,
        },
        {
          key: 'summer',
          leads: 1,
          contacted: 1,
          won: 0,
          lost: 0,
          conversionRate: 0,
          meanTimeToContactMs: 30 * minute,
        },
      ]);
    });

    it('splits the same leads per branch and per manager, without a personal field', async () => {
      const branches = await fixture.leads.figures(fixture.users.analyst, 'branch');
      expect(branches.map((figure) => [figure.key, figure.leads, figure.won])).toEqual([
        ['north', 2, 1],
        ['south', 2, 0],
      ]);
      const managers = await fixture.leads.figures(fixture.users.marketer, 'assignee');
      const ann = managers.find((figure) => figure.key === fixture.users['rm-ann'].id);
      expect(ann).toMatchObject({ leads: 2, won: 1, lost: 1, meanTimeToContactMs: 20 * minute });
      expect(JSON.stringify(managers)).not.toMatch(/138000/);
    });

    it('keeps an erased lead in the counts', async () => {
      await fixture.leads.erase('13800001001');
      const figures = await fixture.leads.figures(fixture.users.marketer, 'campaign');
      expect(figures.find((figure) => figure.key === 'spring')).toMatchObject({ leads: 3, won: 1 });
    });
  },
);
