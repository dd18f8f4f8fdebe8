import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeDialects } from '../support.ts';
import { type Client, campaignBody, type Harness, startHarness } from './support.ts';

const dialects = await storeDialects();

describe.each(dialects)('publishing and importing on %s', (dialect) => {
  let harness: Harness;
  let marketer: Client;

  beforeAll(async () => {
    harness = await startHarness(dialect);
    marketer = await harness.as('marketer');
  });

  afterAll(async () => {
    await harness.stop();
  });

  it('moves each branch to the next manifest version and its rollouts with it', async () => {
    await marketer.post(
      '/api/campaigns',
      campaignBody('everywhere', {
        branches: { branches: ['north#1', 'south/2'] },
      }),
    );
    await marketer.post('/api/campaigns', campaignBody('east-only'));

    await marketer.post('/api/campaigns/everywhere/publish');
    await marketer.post('/api/campaigns/east-only/publish');
    await marketer.post('/api/campaigns/east-only/end');

    const everywhere = (await marketer.get('/api/campaigns/everywhere/rollout')).body;
    const eastOnly = (await marketer.get('/api/campaigns/east-only/rollout')).body;
    expect(everywhere.branches).toMatchObject([
      { branch: 'north#1', version: 3, state: 'pending' },
      { branch: 'south/2', version: 1, state: 'pending' },
    ]);
    expect(eastOnly.branches).toMatchObject([{ branch: 'north#1', version: 3, state: 'removed' }]);
    expect((await marketer.get('/api/campaigns/east-only')).body.status).toBe('ended');
  });

  it('stores a conversion import once', async () => {
    const rows = [{ branch: 'north#1', step: 'lead', leadId: 'lead-1', at: 5 }];

    const first = await marketer.post('/api/campaigns/everywhere/conversions', { rows });
    const again = await marketer.post('/api/campaigns/everywhere/conversions', { rows });

    expect(first.body.stored).toBe(1);
    expect(again.body.stored).toBe(0);
  });
});
