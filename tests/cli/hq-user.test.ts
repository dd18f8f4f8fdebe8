import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../cloud/campaigns/support.ts';
import { adminPassword } from '../cloud/support.ts';
import { runToEnd } from './run.ts';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.stop();
});

const login = (username: string, password: string) =>
  fetch(`${harness.cloud.httpUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });

describe('smartbranch hq-user add', () => {
  it('creates a branch manager with both passwords on standard input, never argv', async () => {
    const args = ['hq-user', 'add', '--cloud', harness.cloud.httpUrl, '--username', 'zhao.bm'];
    const env = { ...process.env, SB_HQ_PASSWORD: undefined, SB_HQ_NEW_PASSWORD: undefined };

    const done = await runToEnd([...args, '--role', 'branch-manager', '--branch', 'north#1'], {
      input: `${adminPassword}\nbranch manager secret\n`,
      env,
    });

    expect(done.code).toBe(0);
    expect(done.output).toMatch(/^zhao\.bm: branch-manager at north#1 \(id [\w-]+\)$/m);
    expect((await login('zhao.bm', 'branch manager secret')).status).toBe(200);
  });

  it("names the API's refusal and exits 1", async () => {
    const args = ['hq-user', 'add', '--cloud', harness.cloud.httpUrl, '--username', 'qian.rm'];
    const env = { ...process.env, SB_HQ_PASSWORD: adminPassword, SB_HQ_NEW_PASSWORD: 'short' };

    const refused = await runToEnd([...args, '--role', 'relationship-manager'], { env });

    expect(refused.code).toBe(1);
    expect(refused.output).toContain('/api/users refused (400 SB_ERR_INVALID_REQUEST)');
    expect(refused.output).toContain('password');
  });
});
