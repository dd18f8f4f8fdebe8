import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../core/index.ts';
import { type Bus, startBus } from '../../../edge/bus/index.ts';
import { type Reply, topic, topicFilter } from '../../../protocol/index.ts';
import { type Client, type Harness, startHarness } from '../../cloud/campaigns/support.ts';
import { testContext } from '../../support/context.ts';
import { freePort } from '../../support/services.ts';
import { startTestGateway, type TestGateway, until } from './support.ts';

const context = testContext(systemClock);
let harness: Harness;
let marketer: Client;
let north: TestGateway;
let south: TestGateway;
let codes: string[] = [];
let bus: Bus;

/** Waits until a gateway holds its allotment: an offline redemption of a forged code says so. */
async function allotted(gateway: TestGateway) {
  await until(async () => {
    const probe = await gateway.uplink.redeem('AAAAA-AAAAA-AAAA', `probe-${Math.random()}`);
    return probe.reason !== 'SB_ERR_NOT_FOUND' || probe.offline === false;
  });
}

beforeAll(async () => {
  harness = await startHarness('sqlite', { context });
  marketer = await harness.as('marketer');
  await marketer.put('/api/sponsors/bank', { name: 'The Bank', kind: 'bank' });
  bus = await startBus(
    {
      branch: 'north#1',
      port: 0,
      clients: [
        {
          username: 'counter',
          password: 'counter-pw',
          publish: [topicFilter('counterRedeem', { branch: 'north#1', counter: '1' })],
          subscribe: [topicFilter('reply', { branch: 'north#1', client: 'counter-1' })],
        },
      ],
    },
    context,
  );
  north = await startTestGateway(harness, 'north#1', 'gw-north', context, { bus });
  south = await startTestGateway(harness, 'south/2', 'gw-south', context);
  await until(
    () => north.uplink.stats().state === 'online' && south.uplink.stats().state === 'online',
  );
  await marketer.post('/api/benefits', {
    id: 'cafe',
    name: 'Coffee on the bank',
    kind: 'voucher',
    sponsor: 'bank',
    valueMinor: 1500,
    costShare: { bank: 1 },
    stock: { total: 10, perBranch: { 'north#1': 3, 'south/2': 3 } },
  });
  codes = (await marketer.post('/api/benefits/cafe/coupons', { count: 5 })).body.codes;
});

afterAll(async () => {
  await north.stop();
  await south.stop();
  north.remove();
  south.remove();
  await bus.close();
  await harness.stop();
});

describe('coupon redemption at the counter', () => {
  it('refuses at the second branch a code the first redeemed, both online', async () => {
    const first = await north.uplink.redeem(codes[0] as string, 'north-0001');
    const second = await south.uplink.redeem(codes[0] as string, 'south-0001');

    expect(first).toMatchObject({ outcome: 'accepted', benefit: 'cafe', offline: false });
    expect(second).toMatchObject({ outcome: 'refused', reason: 'SB_ERR_ALREADY_REDEEMED' });
  });

  it('answers a resend with the first answer and redeems nothing twice', async () => {
    const resend = await north.uplink.redeem(codes[0] as string, 'north-0001');

    expect(resend).toMatchObject({ outcome: 'accepted', repeated: true });
    const stock = (await marketer.get('/api/benefits/cafe')).body.allotments;
    expect(stock).toContainEqual({ branch: 'north#1', allotted: 3, used: 1 });
  });

  it('redeems offline against the allotment, and flags a code used offline twice at sync', async () => {
    await Promise.all([allotted(north), allotted(south)]);
    const nowhere = `mqtt://127.0.0.1:${await freePort()}`;
    await north.stop();
    await south.stop();
    await north.restart(nowhere);
    await south.restart(nowhere);

    const atNorth = await north.uplink.redeem(codes[1] as string, 'north-0002');
    const atSouth = await south.uplink.redeem(codes[1] as string, 'south-0002');
    const third = await north.uplink.redeem(codes[2] as string, 'north-0003');
    const overAllotment = await north.uplink.redeem(codes[3] as string, 'north-0004');
    const forged = await north.uplink.redeem('ABCDE-FGHJK-MNPQ', 'north-0005');

    expect(atNorth).toMatchObject({ outcome: 'accepted', offline: true });
    expect(atSouth).toMatchObject({ outcome: 'accepted', offline: true });
    expect(third).toMatchObject({ outcome: 'accepted', offline: true });
    expect(overAllotment).toMatchObject({ outcome: 'refused', reason: 'SB_ERR_OUT_OF_STOCK' });
    expect(forged).toMatchObject({ outcome: 'refused', reason: 'SB_ERR_NOT_FOUND' });

    await north.stop();
    await south.stop();
    await north.restart();
    await south.restart();
    const review = await until(async () => {
      const answer = await marketer.get('/api/redemptions/review');
      return answer.body.redemptions.length === 1 ? answer.body.redemptions : null;
    });
    // a online, b once (whichever branch synced first) and c: three units of the allotments.
    const used = await until(async () => {
      const answer = (await marketer.get('/api/benefits/cafe')).body.allotments;
      const total = answer.reduce((sum: number, a: { used: number }) => sum + a.used, 0);
      return total === 3 ? total : null;
    });

    expect(review[0]).toMatchObject({ code: codes[1], outcome: 'conflict', review: 1 });
    expect(review[0].reason).toBe('SB_ERR_ALREADY_REDEEMED');
    expect(used).toBe(3);
    expect((await marketer.get('/api/benefits/cafe')).body.stock.free).toBe(4);
  });

  it('redeems for a counter device on the bus, a resend getting the first answer', async () => {
    const counter = await mqtt.connectAsync(bus.url, {
      username: 'counter',
      password: 'counter-pw',
      clientId: 'counter-1',
      reconnectPeriod: 0,
    });
    const replies: Reply[] = [];
    counter.on('message', (_topic, payload) => replies.push(JSON.parse(payload.toString())));
    await counter.subscribeAsync(topic('reply', { branch: 'north#1', client: 'counter-1' }));
    const send = (body: unknown) =>
      counter.publishAsync(
        topic('counterRedeem', { branch: 'north#1', counter: '1' }),
        JSON.stringify(body),
        { qos: 1 },
      );
    // Units taken from the allotments and the shared stock, whichever the cloud drew on.
    const taken = async () => {
      const body = (await marketer.get('/api/benefits/cafe')).body;
      const used = body.allotments.reduce((sum: number, a: { used: number }) => sum + a.used, 0);
      return used - body.stock.free;
    };
    const before = await taken();

    await send({ requestId: 'counter-1:0001', replyTo: 'counter-1', code: codes[4] });
    await until(() => replies.length === 1);
    await send({ requestId: 'counter-1:0001', replyTo: 'counter-1', code: codes[4] });
    await send({ requestId: 'counter-1:0002', replyTo: 'counter-1', code: 'lower case' });
    await until(() => replies.length === 3);
    await counter.endAsync();

    expect(replies[0]).toMatchObject({
      correlationId: 'counter-1:0001',
      status: 'ok',
      data: { outcome: 'accepted', benefit: 'cafe', offline: false, repeated: false },
    });
    expect(replies[1]).toMatchObject({
      status: 'ok',
      data: { outcome: 'accepted', repeated: true },
    });
    expect(replies[2]).toMatchObject({
      correlationId: 'counter-1:0002',
      status: 'error',
      error: { code: 'SB_ERR_INVALID_MESSAGE', path: 'code' },
    });
    expect(await taken()).toBe(before + 1);
  });
});
