import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadsDb, scopeOf } from '../../../cloud/leads/index.ts';
import { type Harness, httpClient, startHarness } from '../campaigns/support.ts';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.stop();
});

const manager = {
  username: 'li.rm',
  password: 'a long enough secret',
  role: 'relationship-manager',
  branch: 'north#1',
};

async function login(username: string, password: string) {
  return fetch(`${harness.cloud.httpUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
}

describe('an admin creating HQ users', () => {
  it("creates a relationship manager who logs in and sees their branch's leads", async () => {
    const admin = await harness.as('admin');

    const created = await admin.post('/api/users', manager);
    const loggedIn = await login(manager.username, manager.password);
    const cookie = (loggedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const me = httpClient(harness.cloud.httpUrl, cookie);
    const scope = await scopeOf(leadsDb(harness.store.db), {
      id: created.body.id,
      role: 'relationship-manager',
    });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      username: 'li.rm',
      role: 'relationship-manager',
      branch: 'north#1',
    });
    expect(JSON.stringify(created.body)).not.toContain(manager.password);
    expect(loggedIn.status).toBe(200);
    expect((await me.get('/api/branches')).status).toBe(200);
    expect(scope).toEqual({
      kind: 'leads',
      userId: created.body.id,
      branch: 'north#1',
      whole: false,
    });
  });

  it('creates an analyst without a branch', async () => {
    const admin = await harness.as('admin');

    const created = await admin.post('/api/users', {
      username: 'wang.analyst',
      password: 'another long secret',
      role: 'analyst',
    });

    expect(created.status).toBe(201);
    expect(created.body.role).toBe('analyst');
  });

  it('refuses a short password, a manager without a branch or with an unknown one, a taken name', async () => {
    const admin = await harness.as('admin');

    const short = await admin.post('/api/users', { ...manager, username: 'a', password: 'short' });
    const { branch: _branch, ...withoutBranch } = manager;
    const noBranch = await admin.post('/api/users', { ...withoutBranch, username: 'b' });
    const unknown = await admin.post('/api/users', {
      ...manager,
      username: 'c',
      branch: 'nowhere',
    });
    const taken = await admin.post('/api/users', manager);

    expect([short.status, short.body.error.path]).toEqual([400, 'password']);
    expect([noBranch.status, noBranch.body.error.path]).toEqual([400, 'branch']);
    expect([unknown.status, unknown.body.error.path]).toEqual([400, 'branch']);
    expect([taken.status, taken.body.error.code]).toEqual([409, 'SB_ERR_CONFLICT']);
  });

  it('is for admins only', async () => {
    const marketer = await harness.as('marketer');

    const answer = await marketer.post('/api/users', { ...manager, username: 'd' });

    expect(answer.status).toBe(403);
  });
});
