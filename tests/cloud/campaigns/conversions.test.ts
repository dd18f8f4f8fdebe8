import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, campaignBody, type Harness, startHarness } from './support.ts';

let harness: Harness;
let marketer: Client;
let webhook: http.Server;
const delivered: unknown[] = [];
let codes: string[] = [];
const may = { from: Date.UTC(2026, 4, 1), to: Date.UTC(2026, 5, 1) };

beforeAll(async () => {
  webhook = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      delivered.push(JSON.parse(body));
      response.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  const port = (webhook.address() as AddressInfo).port;
  harness = await startHarness();
  marketer = await harness.as('marketer');
  await marketer.put('/api/sponsors/bank', { name: 'The Bank', kind: 'bank' });
  await marketer.post('/api/benefits', {
    id: 'card-gift',
    name: 'Gift for a new card',
    kind: 'voucher',
    sponsor: 'bank',
    costShare: { bank: 1 },
    stock: { total: 500 },
  });
  await marketer.post(
    '/api/campaigns',
    campaignBody('cards', { benefits: ['card-gift'], webhookUrl: `http://127.0.0.1:${port}/push` }),
  );
});

afterAll(async () => {
  await harness.stop();
  await new Promise((resolve) => webhook.close(resolve));
});

describe('outbound coupon codes', () => {
  it("issues a campaign's coupons with their links and exports them as CSV", async () => {
    const issued = await marketer.post('/api/campaigns/cards/coupons', {
      benefit: 'card-gift',
      count: 3,
    });
    codes = issued.body.coupons.map((coupon: { code: string }) => coupon.code);
    const csv = await marketer.get('/api/campaigns/cards/coupons?format=csv');

    expect(issued.status).toBe(201);
    expect(issued.body.coupons[0].link).toBe(`${harness.cloud.httpUrl}/c/${codes[0]}`);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('code,benefit,link,issued_at,redeemed_at');
    expect(lines.slice(1).map((line) => line.split(',')[0])).toEqual([...codes].sort());
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
  });

  it('draws a QR code of the link as SVG', async () => {
    const qr = await marketer.get(`/api/coupons/${codes[0]}/qr.svg`);

    expect(qr.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(qr.text).toMatch(/^<svg[^>]*viewBox/);
  });

  it("sends the unredeemed codes to the campaign's webhook", async () => {
    const sent = await marketer.post('/api/campaigns/cards/coupons/webhook');

    expect(sent.body).toEqual({ sent: 3, status: 202 });
    expect(delivered).toEqual([
      {
        campaign: 'cards',
        coupons: [...codes].sort().map((code) => ({
          code,
          benefit: 'card-gift',
          link: `${harness.cloud.httpUrl}/c/${code}`,
        })),
      },
    ]);
  });

  it('refuses a benefit the campaign does not draw on', async () => {
    const answer = await marketer.post('/api/campaigns/cards/coupons', {
      benefit: 'other',
      count: 1,
    });

    expect(answer.body.error).toMatchObject({ code: 'SB_ERR_INVALID_REQUEST', path: 'benefit' });
  });
});

describe('conversions and funnels', () => {
  it('imports a CSV once: sent again it stores nothing twice', async () => {
    const text = [
      'reference,branch,step,coupon_code,lead_id,at',
      `L-1,north#1,lead,,lead-1,${may.from + 1000}`,
      'L-2,north#1,lead,,lead-2,2026-05-03T10:00:00Z',
      `,north#1,card-application,${codes[0]},,${may.from + 5000}`,
    ].join('\r\n');

    const first = await marketer.request(
      'POST',
      '/api/campaigns/cards/conversions',
      text,
      'text/csv',
    );
    const again = await marketer.request(
      'POST',
      '/api/campaigns/cards/conversions',
      text,
      'text/csv',
    );

    expect(first.body).toEqual({ received: 3, stored: 3 });
    expect(again.body).toEqual({ received: 3, stored: 0 });
  });

  it('imports JSON rows through the API and names a bad row by its field', async () => {
    const good = await marketer.post('/api/campaigns/cards/conversions', {
      rows: [{ branch: 'south/2', step: 'card-approved', leadId: 'lead-9', at: may.from + 9000 }],
    });
    const bad = await marketer.request(
      'POST',
      '/api/campaigns/cards/conversions',
      'branch,step,lead_id,at\r\nnorth#1,lead,lead-3,yesterday-ish\r\n',
      'text/csv',
    );

    expect(good.body).toEqual({ received: 1, stored: 1 });
    expect(bad.body.error).toMatchObject({ code: 'SB_ERR_INVALID_REQUEST', path: 'rows.0.at' });
  });

  it("shows the objective's funnel per branch and each target against what happened", async () => {
    await marketer.put('/api/campaigns/cards/targets', {
      targets: [{ branch: 'north#1', step: 'card-application', target: 200, ...may }],
    });

    const answer = await (await harness.as('analyst')).get(
      `/api/campaigns/cards/funnel?from=${may.from}&to=${may.to}`,
    );

    expect(answer.body.steps).toEqual([
      { step: 'lead', total: 2, perBranch: { 'north#1': 2 } },
      { step: 'card-application', total: 1, perBranch: { 'north#1': 1 } },
      { step: 'card-approved', total: 1, perBranch: { 'south/2': 1 } },
    ]);
    expect(answer.body.targets).toEqual([
      { branch: 'north#1', step: 'card-application', target: 200, ...may, actual: 1, share: 0.005 },
    ]);
  });
});
