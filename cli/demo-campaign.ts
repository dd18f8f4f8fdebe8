import { type HqSession, hqSession } from './hq-session.ts';

/** The demo's live campaign: a coffee voucher whose QR code is on the counter-area TV. */
export const demoCampaign = {
  id: 'demo-coffee-week',
  benefit: 'demo-coffee',
  screen: 'counter-tv',
  /** Codes issued per run, handed out in order to the people who scan. */
  coupons: 200,
};

export interface DemoCampaign {
  codes: string[];
  /** HQ's signed QR link for the campaign on its screen. */
  link: string;
}

/**
 * Publishes, through HQ's API as a marketer would, a campaign on the demo branch's screens
 * with a coffee voucher behind its QR code, and issues this run's coupons, so the simulated
 * people have something to watch, scan and redeem. A second run on the same data folder finds
 * the campaign and the voucher already there and only issues new coupons.
 */
export async function seedDemoCampaign(
  cloudUrl: string,
  admin: { username: string; password: string },
  branch: string,
): Promise<DemoCampaign> {
  const session = await hqSession(cloudUrl, admin, 'demo campaign');
  const { call, expectOk } = session;

  const { id, benefit, screen } = demoCampaign;
  if ((await call('GET', `/api/benefits/${benefit}`)).status === 404) {
    await expectOk(
      await call('PUT', '/api/sponsors/demo-bank', { name: 'The Bank 银行', kind: 'bank' }),
      'sponsor',
    );
    await expectOk(
      await call('POST', '/api/benefits', {
        id: benefit,
        name: '咖啡券 Coffee on the bank',
        kind: 'voucher',
        sponsor: 'demo-bank',
        valueMinor: 1500,
        costShare: { bank: 1 },
        stock: { total: 100_000, perBranch: { [branch]: 50_000 } },
      }),
      'benefit',
    );
  }
  if ((await call('GET', `/api/campaigns/${id}`)).status === 404) {
    await expectOk(
      await call('POST', '/api/campaigns', {
        id,
        name: '咖啡周 Coffee week',
        objective: 'card-application',
        priority: 5,
        items: [
          {
            id: 'coffee-spot',
            type: 'template',
            template: '<h1>办卡送咖啡 · A coffee with your new card</h1>',
            durationMs: 15_000,
          },
        ],
        shareOfVoice: { share: 1 },
        target: { screens: [demoCampaign.screen] },
        branches: { branches: [branch] },
        benefits: [benefit],
      }),
      'campaign',
    );
    await expectOk(await call('POST', `/api/campaigns/${id}/publish`), 'publish');
  }

  const issued = await expectOk(
    await call('POST', `/api/campaigns/${id}/coupons`, { benefit, count: demoCampaign.coupons }),
    'coupons',
  );
  const { coupons } = (await issued.json()) as { coupons: { code: string }[] };
  const signed = await expectOk(
    await call('POST', '/api/leads/links', { branch, campaign: id, screen }),
    'QR link',
  );
  const { url } = (await signed.json()) as { url: string };
  await untilApplied(session, id);
  return { codes: coupons.map((coupon) => coupon.code), link: url };
}

/**
 * Waits until the branch's gateway applied the campaign, then for the screens' next
 * one-second pass: a virtual player paired before it would start on the idle programme and
 * keep it for its full minute.
 */
async function untilApplied({ call, expectOk }: HqSession, campaign: string) {
  for (let attempt = 0; attempt < 60; attempt++) {
    const rollout = await expectOk(
      await call('GET', `/api/campaigns/${campaign}/rollout`),
      'rollout',
    );
    const { counts } = (await rollout.json()) as { counts: { applied: number } };
    if (counts.applied > 0) break;

    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await new Promise((resolve) => setTimeout(resolve, 3000));
}
