import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SmartBranchError, systemClock } from '../../../core/index.ts';
import type { ModuleSettings } from '../../../protocol/index.ts';
import { startTestGateway, type TestGateway, until } from '../../edge/uplink/support.ts';
import { testContext } from '../../support/context.ts';
import { type Client, type Harness, startHarness } from '../campaigns/support.ts';

const context = testContext(systemClock);
let harness: Harness;
let admin: Client;
let north: TestGateway;
const followed: Array<ModuleSettings['modules']> = [];
const branchPath = encodeURIComponent('north#1');

beforeAll(async () => {
  harness = await startHarness('sqlite', { context });
  admin = await harness.as('admin');
  north = await startTestGateway(harness, 'north#1', 'gw-north', context, {
    commands: {
      'set-theme': (request) => ({ theme: request.theme }),
      'fetch-logs': () => {
        throw new SmartBranchError('SB_ERR_UNAVAILABLE', 'no log ring');
      },
    },
    onModules: (modules) => followed.push(modules),
  });
  await until(() => north.uplink.stats().state === 'online');
});

afterAll(async () => {
  await north.stop();
  north.remove();
  await harness.stop();
});

async function settled(id: string) {
  return until(async () => {
    const answer = await admin.get(`/api/commands/${id}`);
    return answer.body.state === 'sent' ? null : answer.body;
  });
}

describe('remote commands', () => {
  it('ends acknowledged with the answer of the gateway', async () => {
    const sent = await admin.post('/api/gateways/gw-north/commands', {
      action: 'set-theme',
      theme: 'car-life',
    });

    const done = await settled(sent.body.id);

    expect(sent.status).toBe(202);
    expect(sent.body.state).toBe('sent');
    expect(done).toMatchObject({ state: 'ok', result: { theme: 'car-life' } });
  });

  it('ends failed with the code of the error that stopped it', async () => {
    const failing = await admin.post('/api/gateways/gw-north/commands', {
      action: 'fetch-logs',
      minutes: 5,
    });
    const unknown = await admin.post('/api/gateways/gw-north/commands', {
      action: 'restart-module',
      module: 'queue',
    });

    expect(await settled(failing.body.id)).toMatchObject({
      state: 'error',
      result: { code: 'SB_ERR_UNAVAILABLE' },
    });
    expect(await settled(unknown.body.id)).toMatchObject({
      state: 'error',
      result: { code: 'SB_ERR_NOT_FOUND' },
    });
  });

  it('times out a command the gateway never answers', async () => {
    await north.stop();
    const sent = await admin.post('/api/gateways/gw-north/commands', {
      action: 'set-theme',
      theme: 'health',
      timeoutMs: 1000,
    });

    const done = await settled(sent.body.id);
    await north.restart();

    expect(done.state).toBe('timed-out');
  });

  it('names the missing field of a command and refuses an unknown gateway', async () => {
    const incomplete = await admin.post('/api/gateways/gw-north/commands', {
      action: 'restart-module',
    });
    const nobody = await admin.post('/api/gateways/gw-nobody/commands', {
      action: 'reload-config',
    });

    expect(incomplete.body.error).toMatchObject({ code: 'SB_ERR_INVALID_REQUEST', path: 'module' });
    expect(nobody.status).toBe(404);
  });
});

describe('modules per branch', () => {
  it("switches a branch's modules and the gateway follows", async () => {
    const set = await admin.put(`/api/branches/${branchPath}/modules`, {
      modules: { leads: true, sensing: false },
    });

    await until(() => north.uplink.modules()?.leads === true);
    const read = await (await harness.as('branch-manager')).get(
      `/api/branches/${branchPath}/modules`,
    );

    expect(set.body.version).toBe(1);
    expect(read.body.modules).toEqual({
      sensing: false,
      queue: true,
      screens: true,
      leads: true,
      automation: false,
    });
    expect(followed.at(-1)).toMatchObject({ leads: true, sensing: false });
  });

  it('switches modules for a group chosen by region', async () => {
    const group = await admin.put('/api/modules', {
      branches: { regions: ['south'] },
      modules: { automation: true },
    });

    const south = await admin.get(`/api/branches/${encodeURIComponent('south/2')}/modules`);
    const northModules = await admin.get(`/api/branches/${branchPath}/modules`);

    expect(group.body.branches).toEqual(['south/2']);
    expect(south.body.modules.automation).toBe(true);
    expect(northModules.body.modules.automation).toBe(false);
  });
});

describe('branch profiles', () => {
  it('targets branches by the theme HQ set on their profile', async () => {
    await admin.put(`/api/branches/${encodeURIComponent('south/2')}/profile`, {
      theme: 'car-life',
      address: '1 Harbour Road',
      latitude: 22.5,
      longitude: 114.1,
    });
    const marketer = await harness.as('marketer');

    const picked = await marketer.post('/api/branch-selection', { themes: ['car-life'] });

    expect(picked.body.branches).toEqual(['south/2']);
  });
});
