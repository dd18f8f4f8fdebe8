import QRCode from 'qrcode';
import { z } from 'zod';
import { type ModuleContext, SmartBranchError } from '../../core/index.ts';
import { CouponCode, Id } from '../../protocol/index.ts';
import { type ControlPlane, csvField, getCampaign, issueCoupons } from '../campaigns/index.ts';
import { type Call, param, RouteBook } from './routebook.ts';

const writers = ['admin', 'marketer'] as const;

const CampaignIssue = z.strictObject({
  benefit: Id,
  customers: z.array(z.string().min(1).max(200)).min(1).max(10_000).optional(),
  count: z.number().int().min(1).max(10_000).optional(),
});

/** How long a webhook may take to answer, in ms. */
const webhookTimeoutMs = 10_000;

/** Outbound channels: a campaign's coupon codes and QR links for the bank's app or SMS. */
export function couponBook(
  plane: ControlPlane,
  context: ModuleContext,
  publicUrl: (call: Call<unknown, unknown>) => string,
): RouteBook {
  const book = new RouteBook();
  const db = plane.db;
  const now = () => context.clock.now();
  const link = (call: Call<unknown, unknown>, code: string) =>
    `${publicUrl(call)}/c/${encodeURIComponent(code)}`;
  const campaignCoupons = async (campaign: string) =>
    db
      .selectFrom('coupons')
      .select(['code', 'benefit', 'issued_at', 'redeemed_at'])
      .where('campaign', '=', campaign)
      .orderBy('issued_at')
      .orderBy('code')
      .execute();

  book.add({
    method: 'post',
    path: '/api/campaigns/:id/coupons',
    summary: "Issue coupons of one of the campaign's benefits",
    access: writers,
    body: CampaignIssue,
    status: 201,
    handler: async (call) => {
      const campaign = await getCampaign(db, param(call, 'id', Id));
      if (!campaign.benefits.includes(call.body.benefit))
        throw new SmartBranchError(
          'SB_ERR_INVALID_REQUEST',
          "benefit: not the campaign's",
          'benefit',
        );

      const { benefit, ...request } = call.body;
      const codes = await issueCoupons(db, benefit, { ...request, campaign: campaign.id }, now());
      return { coupons: codes.map((code) => ({ code, benefit, link: link(call, code) })) };
    },
  });
  book.add({
    method: 'get',
    path: '/api/campaigns/:id/coupons',
    summary: "Export the campaign's coupon codes and links (JSON, or CSV with ?format=csv)",
    access: writers,
    query: z.strictObject({ format: z.enum(['json', 'csv']).default('json') }),
    handler: async (call) => {
      const campaign = await getCampaign(db, param(call, 'id', Id));
      const coupons = (await campaignCoupons(campaign.id)).map((row) => ({
        code: row.code,
        benefit: row.benefit,
        link: link(call, row.code),
        issuedAt: row.issued_at,
        redeemedAt: row.redeemed_at,
      }));
      if (call.query.format === 'json') return { coupons };

      const lines = ['code,benefit,link,issued_at,redeemed_at'].concat(
        coupons.map((c) =>
          [c.code, c.benefit, c.link, c.issuedAt, c.redeemedAt].map(csvField).join(','),
        ),
      );
      call.response.type('text/csv').attachment(`${campaign.id}-coupons.csv`);
      call.response.send(`${lines.join('\r\n')}\r\n`);
      return undefined;
    },
  });
  book.add({
    method: 'post',
    path: '/api/campaigns/:id/coupons/webhook',
    summary: "Send the campaign's unredeemed coupons to its webhook for delivery",
    access: writers,
    handler: async (call) => {
      const campaign = await getCampaign(db, param(call, 'id', Id));
      if (!campaign.webhookUrl)
        throw new SmartBranchError('SB_ERR_CONFLICT', 'campaign has no webhook', 'webhookUrl');

      const coupons = (await campaignCoupons(campaign.id))
        .filter((row) => row.redeemed_at === null)
        .map((row) => ({ code: row.code, benefit: row.benefit, link: link(call, row.code) }));
      const status = await postJson(context, campaign.webhookUrl, {
        campaign: campaign.id,
        coupons,
      });
      return { sent: coupons.length, status };
    },
  });
  book.add({
    method: 'get',
    path: '/api/coupons/:code/qr.svg',
    summary: "A coupon's QR code (SVG) holding its link",
    access: [...writers, 'merchant'],
    handler: async (call) => {
      const code = param(call, 'code', CouponCode);
      const svg = await QRCode.toString(link(call, code), { type: 'svg', margin: 2 });
      call.response.type('image/svg+xml').send(svg);
      return undefined;
    },
  });
  return book;
}

async function postJson(context: ModuleContext, url: string, body: unknown): Promise<number> {
  const abort = new AbortController();
  const timer = context.clock.after(webhookTimeoutMs, () => abort.abort());
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: abort.signal,
    });
    if (!response.ok)
      throw new SmartBranchError('SB_ERR_UNAVAILABLE', `webhook answered ${response.status}`);
    return response.status;
  } catch (err) {
    if (err instanceof SmartBranchError) throw err;
    throw new SmartBranchError('SB_ERR_UNAVAILABLE', 'webhook unreachable');
  } finally {
    timer.cancel();
  }
}
