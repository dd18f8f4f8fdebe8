import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, startCloud } from '../../cloud/index.ts';
import { connect, enrol } from './peer.ts';
import { sqliteTarget, tempFolder, testConfig, testContext } from './support.ts';

const folder = tempFolder();
const context = testContext();
let cloud: Cloud;

beforeAll(async () => {
  cloud = await startCloud(testConfig(sqliteTarget(folder.path)), context);
});

afterAll(async () => {
  await cloud.stop();
  folder.remove();
});

async function post(path: string, body: unknown, raw?: string) {
  const response = await fetch(`${cloud.httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: raw ?? JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, text };
}

describe('enrolment over HTTP', () => {
  it('gives the gateway of a good token its broker credentials and the manifest key', async () => {
    const token = await cloud.createEnrolmentToken('north#1');
    const answer = await post('/api/enrol', { token, gateway: 'gw-north', version: '0.1.0' });

    expect(answer.status).toBe(200);
    expect(answer.body.gateway).toBe('gw-north');
    expect(answer.body.branch).toBe('north#1');
    expect(answer.body.broker.url).toBe(cloud.brokerUrl);
    expect(answer.body.broker.username).toBe('gw-north');
    expect(answer.body.broker.password.length).toBeGreaterThanOrEqual(24);
    expect(answer.body.manifestPublicKey).toBe(cloud.manifestPublicKey);
    expect(answer.body.manifestPublicKey).toContain('BEGIN PUBLIC KEY');

    const client = await connect(cloud.brokerUrl, 'gw-north', answer.body.broker.password);
    expect(client.connected).toBe(true);
    await client.endAsync();
  });

  it('refuses a token used twice with SB_ERR_TOKEN_USED', async () => {
    const token = await cloud.createEnrolmentToken('north#1');
    await enrol(cloud.httpUrl, token, 'gw-once');

    const second = await post('/api/enrol', { token, gateway: 'gw-twice', version: '0.1.0' });

    expect(second.status).toBe(401);
    expect(second.body.error.code).toBe('SB_ERR_TOKEN_USED');
    const stats = await cloud.stats();
    expect(stats.perGateway.map((gateway) => gateway.gateway)).not.toContain('gw-twice');
  });

  it('refuses an expired token with SB_ERR_TOKEN_EXPIRED', async () => {
    const token = await cloud.createEnrolmentToken('north#1', 60_000);
    await context.clock.advance(60_001);

    const answer = await post('/api/enrol', { token, gateway: 'gw-late', version: '0.1.0' });

    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('SB_ERR_TOKEN_EXPIRED');
  });

  it('refuses an unknown token with SB_ERR_TOKEN_UNKNOWN', async () => {
    const answer = await post('/api/enrol', {
      token: 'x'.repeat(32),
      gateway: 'gw-x',
      version: '0.1.0',
    });

    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('SB_ERR_TOKEN_UNKNOWN');
  });

  it('rotates the password of a known gateway enrolled again with a fresh token', async () => {
    const first = await enrol(
      cloud.httpUrl,
      await cloud.createEnrolmentToken('south/2'),
      'gw-south',
    );
    const second = await enrol(
      cloud.httpUrl,
      await cloud.createEnrolmentToken('south/2'),
      'gw-south',
    );

    expect(second.broker.password).not.toBe(first.broker.password);
    await expect(connect(cloud.brokerUrl, 'gw-south', first.broker.password)).rejects.toThrow(
      /Bad username or password/i,
    );
    const client = await connect(cloud.brokerUrl, 'gw-south', second.broker.password);
    await client.endAsync();
  });

  it('refuses to move a gateway to another branch with SB_ERR_CONFLICT', async () => {
    await enrol(cloud.httpUrl, await cloud.createEnrolmentToken('north#1'), 'gw-stays');
    const token = await cloud.createEnrolmentToken('south/2');

    const answer = await post('/api/enrol', { token, gateway: 'gw-stays', version: '0.1.0' });

    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({ code: 'SB_ERR_CONFLICT', path: 'gateway' });
  });

  it('refuses a token for a branch that does not exist', async () => {
    await expect(cloud.createEnrolmentToken('nowhere')).rejects.toMatchObject({
      code: 'SB_ERR_NOT_FOUND',
    });
  });
});

describe('enrolment bodies failing their schema', () => {
  const cases: Array<[string, unknown, string]> = [
    ['a missing token', { gateway: 'g', version: '1' }, 'token'],
    ['a short token', { token: 'short', gateway: 'g', version: '1' }, 'token'],
    [
      'a gateway id with a control character',
      { token: 'x'.repeat(20), gateway: 'g\u0000', version: '1' },
      'gateway',
    ],
    [
      'an unknown field',
      { token: 'x'.repeat(20), gateway: 'g', version: '1', admin: true },
      'admin',
    ],
    ['a version of the wrong type', { token: 'x'.repeat(20), gateway: 'g', version: 7 }, 'version'],
  ];

  it.each(cases)('answers 400 naming the field for %s', async (_name, body, path) => {
    const answer = await post('/api/enrol', body);

    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('SB_ERR_INVALID_REQUEST');
    expect(answer.body.error.path).toBe(path);
    expect(answer.text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('answers 400, not 500, for a body that is not JSON', async () => {
    const answer = await post('/api/enrol', null, '{"token": ');

    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'SB_ERR_INVALID_REQUEST', path: '(body)' });
  });

  it('keeps serving after bad bodies', async () => {
    const health = await fetch(`${cloud.httpUrl}/healthz`);

    expect(health.status).toBe(200);
  });
});
