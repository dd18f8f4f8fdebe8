import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../support/context.ts';
import { buttonProfile, startUiGateway, type UiHarness } from './harness.ts';

let gateway: UiHarness;

beforeAll(async () => {
  gateway = await startUiGateway();
});
afterAll(async () => {
  await gateway.stop();
});

describe('a device added from the page with a login of its own', () => {
  it('comes on the bus at once, without a restart', async () => {
    const profile = {
      ...buttonProfile,
      device: 'button-1',
      bus: { username: 'button-1', password: 'a-fresh-random-one' },
    };
    const added = await gateway.api('/api/devices', {
      method: 'POST',
      body: JSON.stringify({ profile }),
    });
    expect(added.status).toBe(201);

    const online = await eventually(async () => {
      const list = await (await gateway.api('/api/devices')).json();
      return list.find(
        (entry: { device: string; state: string }) =>
          entry.device === 'button-1' && entry.state !== 'unknown',
      );
    }, 'the added button on the bus');
    expect(online).toMatchObject({ state: 'degraded', simulated: true, tests: ['press'] });
  });
});
