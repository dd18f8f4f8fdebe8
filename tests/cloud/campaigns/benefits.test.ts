import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeDialects } from '../support.ts';
import { type Client, type Harness, startHarness } from './support.ts';

const dialects = await storeDialects();

function benefit(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    name: `Benefit ${id}`,
    kind: 'coupon',
    sponsor: 'bank',
    valueMinor: 1000,
    costShare: { bank: 1 },
    stock: { total: 100 },
    ...overrides,
  };
}

describe.each(dialects)('benefits on %s', (dialect) => {
  let harness: Harness;
  let marketer: Client;
  let issued = 0;
  const redemption = () => {
    issued += 1;
    return `red-${dialect}-${issued.toString().padStart(4, '0')}`;
  };
  const issue = async (id: string, count: number) =>
    (await marketer.post(`/api/benefits/${id}/coupons`, { count })).body.codes as string[];
  const redeem = (codes: string[], redemptionId = redemption(), client = marketer) =>
    client.post('/api/redemptions', { codes, redemptionId });

  beforeAll(async () => {
    harness = await startHarness(dialect);
    marketer = await harness.as('marketer');
    await marketer.put('/api/sponsors/bank', { name: 'The Bank', kind: 'bank' });
    await marketer.put('/api/sponsors/coffee', { name: 'Corner Coffee', kind: 'merchant' });
    await marketer.put('/api/sponsors/platform', { name: 'SmartBranch', kind: 'platform' });
  });

  afterAll(async () => {
    await harness.stop();
  });

  it('never takes stock below zero when 50 branches redeem at the same moment', async () => {
    await marketer.post('/api/benefits', benefit('scarce', { stock: { total: 10 } }));
    const codes = await issue('scarce', 50);

    const answers = await Promise.all(
      codes.map((code, index) =>
        marketer.post('/api/redemptions', {
          codes: [code],
          redemptionId: `rush-${dialect}-${index}`,
          branch: `branch-${index}`,
        }),
      ),
    );

    const accepted = answers.filter((answer) => answer.status === 200);
    const refused = answers.filter((answer) => answer.status === 409);
    expect(accepted).toHaveLength(10);
    expect(refused).toHaveLength(40);
    expect(new Set(refused.map((answer) => answer.body.error.code))).toEqual(
      new Set(['SB_ERR_OUT_OF_STOCK']),
    );
    const stock = (await marketer.get('/api/benefits/scarce')).body.stock;
    expect(stock).toMatchObject({ total: 10, free: 0 });
  });

  it('redeems a coupon once: a resend changes nothing, another redemption is refused', async () => {
    await marketer.post('/api/benefits', benefit('once'));
    const [code] = await issue('once', 1);

    const first = await redeem([code as string], `once-${dialect}`);
    const resend = await redeem([code as string], `once-${dialect}`);
    const again = await redeem([code as string]);

    expect(first.body).toMatchObject({ benefits: ['once'], repeated: false });
    expect(resend.body).toMatchObject({ benefits: ['once'], repeated: true });
    expect(again.body.error.code).toBe('SB_ERR_ALREADY_REDEEMED');
    expect((await marketer.get('/api/benefits/once')).body.stock.free).toBe(99);
  });

  it('keeps to the per-customer limit when issuing', async () => {
    await marketer.post('/api/benefits', benefit('limited', { perCustomerLimit: 1 }));

    const first = await marketer.post('/api/benefits/limited/coupons', { customers: ['app-42'] });
    const second = await marketer.post('/api/benefits/limited/coupons', { customers: ['app-42'] });

    expect(first.status).toBe(201);
    expect(first.body.codes[0]).toMatch(/^[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{4}$/);
    expect(second.body.error.code).toBe('SB_ERR_LIMIT_REACHED');
  });

  it('refuses a coupon outside its validity dates', async () => {
    await marketer.post('/api/benefits', benefit('expired', { validFrom: 1, validTo: 2 }));
    const [code] = await issue('expired', 1);

    const answer = await redeem([code as string]);

    expect(answer.body.error).toMatchObject({ code: 'SB_ERR_NOT_VALID_NOW', path: 'codes.0' });
  });

  it('combines benefits only as their stacking rules say', async () => {
    await marketer.post('/api/benefits', benefit('bank-10', { stacksWith: ['merchant'] }));
    await marketer.post(
      '/api/benefits',
      benefit('latte', {
        sponsor: 'coffee',
        stacksWith: ['bank'],
        costShare: { bank: 0.5, merchant: 0.5 },
      }),
    );
    await marketer.post('/api/benefits', benefit('points', { sponsor: 'platform' }));
    const [bank1, bank2, bank3] = await issue('bank-10', 3);
    const [latte] = await issue('latte', 1);
    const [points] = await issue('points', 1);

    const together = await redeem([bank1 as string, latte as string]);
    const withPlatform = await redeem([bank2 as string, points as string]);
    const twice = await redeem([bank2 as string, bank3 as string]);

    expect(together.status).toBe(200);
    expect(withPlatform.body.error.code).toBe('SB_ERR_NOT_COMBINABLE');
    expect(twice.body.error.code).toBe('SB_ERR_NOT_COMBINABLE');
    // All or nothing: the refused purchase redeemed neither coupon.
    expect((await redeem([bank2 as string])).status).toBe(200);
  });

  it("lets a merchant see and redeem only its own sponsor's benefits", async () => {
    const admin = await harness.as('admin');
    const merchant = await harness.as('merchant');
    await admin.post('/api/sponsors/coffee/members', { username: harness.username('merchant') });
    const [latte] = await issue('latte', 1);
    const [bank] = await issue('bank-10', 1);

    const seen = await merchant.get('/api/benefits');
    const foreign = await merchant.get('/api/benefits/bank-10');
    const refused = await merchant.post('/api/merchant/redemptions', {
      codes: [bank],
      redemptionId: redemption(),
    });
    const own = await merchant.post('/api/merchant/redemptions', {
      codes: [latte],
      redemptionId: redemption(),
    });

    expect(seen.body.benefits.map((b: { id: string }) => b.id)).toEqual(['latte']);
    expect(foreign.status).toBe(404);
    expect(refused.status).toBe(403);
    expect(own.status).toBe(200);
  });

  it('settles issued, redeemed and each party’s share of the cost per sponsor', async () => {
    const merchant = await harness.as('merchant');

    const report = await merchant.get(`/api/settlement?from=0&to=${Number.MAX_SAFE_INTEGER}`);
    const other = await merchant.get(`/api/settlement?sponsor=bank&from=0&to=${Date.now() * 2}`);

    expect(report.body.lines).toEqual([
      {
        benefit: 'latte',
        sponsor: 'coffee',
        issued: 2,
        redeemed: 2,
        valueMinor: 2000,
        owed: { bank: 1000, merchant: 1000, platform: 0 },
      },
    ]);
    expect(other.status).toBe(403);
  });

  it('names the field of a malformed benefit', async () => {
    const shares = await marketer.post(
      '/api/benefits',
      benefit('bad', { costShare: { bank: 0.5 } }),
    );
    const stock = await marketer.post(
      '/api/benefits',
      benefit('bad2', { stock: { total: 1, perBranch: { 'north#1': 2 } } }),
    );

    expect(shares.body.error.path).toBe('costShare');
    expect(stock.body.error.path).toBe('stock.perBranch');
  });
});
