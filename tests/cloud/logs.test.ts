import { afterAll, describe, expect, it } from 'vitest';
import { startCloud } from '../../cloud/index.ts';
import { connect, enrol } from './peer.ts';
import { loggingContext, sqliteTarget, tempFolder, testConfig } from './support.ts';

const folder = tempFolder();

afterAll(() => folder.remove());

describe('the first admin', () => {
  it('gets a generated password, printed once in a warn line; only its hash is kept', async () => {
    const target = sqliteTarget(folder.path, 'admin.db');
    const config = { ...testConfig(target), admin: { username: 'chief' } };
    const first = loggingContext();
    const cloud = await startCloud(config, first);
    const warning = first.lines.find((line) =>
      String(line.msg).startsWith('admin password generated'),
    );
    const password = String(warning?.generatedPassword);

    const login = await fetch(`${cloud.httpUrl}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'chief', password }),
    });
    await cloud.stop();
    const second = loggingContext();
    const again = await startCloud(config, second);
    await again.stop();

    expect(warning?.level).toBe(40);
    expect(warning?.msg).toContain('cloud.json');
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(login.status).toBe(200);
    expect(second.text.join('\n')).not.toContain('generated');
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(target.url.slice('sqlite:'.length), { readonly: true });
    const rows = db.prepare('select password_hash from users').all() as Array<{
      password_hash: string;
    }>;
    db.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.password_hash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(rows)).not.toContain(password);
  });
});

describe('refusals in the log', () => {
  it('logs one line per refused enrolment (used, expired, unknown) with its code, never a token or password', async () => {
    const context = loggingContext();
    const cloud = await startCloud(testConfig(sqliteTarget(folder.path, 'logs.db')), context);
    const token = await cloud.createEnrolmentToken('north#1');
    const enrolment = await enrol(cloud.httpUrl, token, 'gw-north');

    const late = await cloud.createEnrolmentToken('north#1', 60_000);
    await context.clock.advance(60_001);
    const unknown = 'u'.repeat(32);
    for (const [tried, gateway] of [
      [token, 'gw-north'],
      [late, 'gw-late'],
      [unknown, 'gw-x'],
    ]) {
      await fetch(`${cloud.httpUrl}/api/enrol`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: tried, gateway, version: '1' }),
      });
    }
    await expect(connect(cloud.brokerUrl, 'gw-north', 'a-wrong-password')).rejects.toThrow();
    await cloud.stop();

    const refused = context.lines.filter((line) => line.msg === 'enrolment refused');
    expect(refused).toEqual([
      expect.objectContaining({ code: 'SB_ERR_TOKEN_USED', gateway: 'gw-north' }),
      expect.objectContaining({ code: 'SB_ERR_TOKEN_EXPIRED', gateway: 'gw-late' }),
      expect.objectContaining({ code: 'SB_ERR_TOKEN_UNKNOWN', gateway: 'gw-x' }),
    ]);
    const brokerRefusals = context.lines.filter(
      (line) => line.msg === 'broker refused credentials',
    );
    expect(brokerRefusals).toHaveLength(1);
    const all = context.text.join('\n');
    for (const secret of [token, late, unknown]) expect(all).not.toContain(secret);
    expect(all).not.toContain(enrolment.broker.password);
    expect(all).not.toContain('a-wrong-password');
  });
});
