import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, startCloud } from '../../cloud/index.ts';
import { openStore } from '../../cloud/store/index.ts';
import { createUser } from '../../cloud/users/index.ts';
import { hashPassword } from '../../core/index.ts';
import {
  adminPassword,
  loggingContext,
  sqliteTarget,
  tempFolder,
  testConfig,
  testContext,
} from './support.ts';

const folder = tempFolder();
const context = loggingContext();
let cloud: Cloud;

const target = sqliteTarget(folder.path);

beforeAll(async () => {
  const config = testConfig(target, {
    login: { attempts: 3, windowMs: 60_000, sessionTtlMs: 600_000 },
  });
  cloud = await startCloud(config, context);
});

afterAll(async () => {
  await cloud.stop();
  folder.remove();
});

async function login(username: string, password: string) {
  return fetch(`${cloud.httpUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
}

function sessionCookie(response: Response): string {
  const cookie = response.headers.get('set-cookie') ?? '';
  return cookie.split(';')[0] ?? '';
}

describe('HQ logins', () => {
  it('opens an httpOnly, SameSite=Strict session for the right password', async () => {
    const response = await login('admin', adminPassword);

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ user: { username: 'admin', role: 'admin' } });
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^sb_session=[\w-]{40,};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
  });

  it('refuses a wrong password with SB_ERR_UNAUTHENTICATED and no cookie', async () => {
    const response = await login('admin', 'wrong password');

    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe('SB_ERR_UNAUTHENTICATED');
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('refuses a login body without a password, naming the field', async () => {
    const response = await fetch(`${cloud.httpUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin' }),
    });

    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatchObject({
      code: 'SB_ERR_INVALID_REQUEST',
      path: 'password',
    });
  });

  it('refuses logins once the failures of a window are spent, and admits them after', async () => {
    await login('admin', 'wrong again');
    await login('admin', 'and again');

    const limited = await login('admin', adminPassword);

    expect(limited.status).toBe(429);
    expect((await limited.json()).error.code).toBe('SB_ERR_RATE_LIMITED');
    await context.clock.advance(60_001);
    expect((await login('admin', adminPassword)).status).toBe(200);
  });

  it('never writes a password or a session token to the log', async () => {
    const response = await login('admin', adminPassword);
    const token = sessionCookie(response).split('=')[1] ?? '';

    const all = context.text.join('\n');
    expect(token.length).toBeGreaterThan(20);
    expect(all).not.toContain(adminPassword);
    expect(all).not.toContain(token);
    expect(context.lines.filter((line) => line.msg === 'login refused')).toHaveLength(2);
    expect(
      context.lines.filter((line) => line.msg === 'login refused: too many attempts'),
    ).toHaveLength(2);
  });
});

describe('sessions', () => {
  it('refuses /api/branches without a session', async () => {
    const response = await fetch(`${cloud.httpUrl}/api/branches`);

    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe('SB_ERR_UNAUTHENTICATED');
  });

  it('lists the branches with their figures for a session', async () => {
    const cookie = sessionCookie(await login('admin', adminPassword));

    const response = await fetch(`${cloud.httpUrl}/api/branches`, { headers: { cookie } });

    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.branches.map((branch: { id: string }) => branch.id)).toEqual([
      'north#1',
      'south/2',
    ]);
    expect(body.branches[0]).toMatchObject({
      name: 'North <Main> Street',
      online: false,
      lastSeenAt: null,
      recordsStored: 0,
    });
  });

  it('refuses /api/branches to a merchant with SB_ERR_FORBIDDEN', async () => {
    // No user API exists yet: the merchant is written through a second handle on the store.
    const store = await openStore(target, testContext());
    const passwordHash = await hashPassword('merchant pass');
    await createUser(store.db, { username: 'shop', passwordHash, role: 'merchant' }, Date.now());
    await store.close();
    const cookie = sessionCookie(await login('shop', 'merchant pass'));

    const response = await fetch(`${cloud.httpUrl}/api/branches`, { headers: { cookie } });

    expect(response.status).toBe(403);
    expect((await response.json()).error.code).toBe('SB_ERR_FORBIDDEN');
  });

  it('ends a session at logout', async () => {
    const cookie = sessionCookie(await login('admin', adminPassword));

    const logout = await fetch(`${cloud.httpUrl}/api/logout`, {
      method: 'POST',
      headers: { cookie },
    });
    const after = await fetch(`${cloud.httpUrl}/api/branches`, { headers: { cookie } });

    expect(logout.status).toBe(204);
    expect(after.status).toBe(401);
  });

  it('expires a session after its time to live', async () => {
    const cookie = sessionCookie(await login('admin', adminPassword));
    await context.clock.advance(600_001);

    const response = await fetch(`${cloud.httpUrl}/api/branches`, { headers: { cookie } });

    expect(response.status).toBe(401);
  });

  it('refuses a cross-site form post carrying the session', async () => {
    const cookie = sessionCookie(await login('admin', adminPassword));

    const response = await fetch(`${cloud.httpUrl}/api/logout`, {
      method: 'POST',
      headers: { cookie, origin: 'http://evil.example' },
    });

    expect(response.status).toBe(403);
  });

  it('lets only an admin issue enrolment tokens', async () => {
    const cookie = sessionCookie(await login('admin', adminPassword));
    const body = JSON.stringify({ branch: 'north#1' });
    const headers = { 'content-type': 'application/json' };

    const anonymous = await fetch(`${cloud.httpUrl}/api/enrolment-tokens`, {
      method: 'POST',
      headers,
      body,
    });
    const admin = await fetch(`${cloud.httpUrl}/api/enrolment-tokens`, {
      method: 'POST',
      headers: { ...headers, cookie },
      body,
    });

    expect(anonymous.status).toBe(401);
    expect(admin.status).toBe(201);
    expect((await admin.json()).token).toMatch(/^[\w-]{32}$/);
  });
});

describe('operations endpoints', () => {
  it('answers /healthz and /readyz', async () => {
    const health = await fetch(`${cloud.httpUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${cloud.httpUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('serves the cloud figures on /metrics', async () => {
    const text = await (await fetch(`${cloud.httpUrl}/metrics`)).text();

    expect(text).toMatch(/sb_cloud_logins_failed_total \d+/);
    expect(text).toContain('sb_cloud_broker_messages_total');
    expect(text).toContain('sb_cloud_records_ingested_total');
    expect(text).toContain('sb_cloud_pull_lag_records');
    expect(text).toContain('sb_cloud_enrolments_total');
  });

  it('sends the hardening headers and no stack trace for an unknown route', async () => {
    const response = await fetch(`${cloud.httpUrl}/api/nothing-here`);

    expect(response.status).toBe(404);
    expect(response.headers.get('x-powered-by')).toBeNull();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    // Plain HTTP at a LAN address must keep working: no request is upgraded to https.
    expect(response.headers.get('content-security-policy')).not.toContain('upgrade-insecure');
    expect((await response.json()).error.code).toBe('SB_ERR_NOT_FOUND');
  });
});
