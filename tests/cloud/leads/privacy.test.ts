import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKeyring,
  createLeads,
  keyringFromEnvironment,
  newKeyringConfig,
} from '../../../cloud/leads/index.ts';
import { storeDialects, tempFolder } from '../support.ts';
import { type LeadsFixture, leadsFixture, qrLead } from './fixture.ts';

const name = 'Zhao Xiaoming';
const phone = '+8613712345678';
const nationalDigits = '13712345678';

async function rawTables(fixture: LeadsFixture): Promise<string> {
  const tables = ['leads', 'lead_events', 'lead_audit', 'lead_staff'];
  const dumps = await Promise.all(
    tables.map(
      async (table) =>
        (await sql`select * from ${sql.table(table)}`.execute(fixture.store.db)).rows,
    ),
  );
  return JSON.stringify(dumps);
}

describe.each(await storeDialects())('personal data on %s', (dialect) => {
  let fixture: LeadsFixture;
  beforeAll(async () => {
    fixture = await leadsFixture(dialect);
  });
  afterAll(() => fixture.close());

  it('keeps name, phone and notes out of a raw read of the tables', async () => {
    const { id } = await fixture.leads.capture(qrLead({ name, phone: '137 1234 5678' }));
    await fixture.leads.note(fixture.users['bm-north'], id, `called ${name} back`);

    const raw = await rawTables(fixture);
    expect(raw).not.toContain(name);
    expect(raw).not.toContain(nationalDigits);
    expect(raw).not.toContain('Zhao');
    const lead = await fixture.leads.get(fixture.users['bm-north'], id);
    expect(lead).toMatchObject({ name, phone });
  });

  it('writes one audit row per personal-data read: who, which action, which leads', async () => {
    const { id } = await fixture.leads.capture(qrLead({ phone: '13712340001' }));
    const before = await fixture.leads.db.selectFrom('lead_audit').select('id').execute();
    const bm = fixture.users['bm-north'];
    await fixture.leads.get(bm, id);
    const listed = await fixture.leads.list(bm);

    const rows = await fixture.leads.db
      .selectFrom('lead_audit')
      .selectAll()
      .orderBy('at')
      .execute();
    const fresh = rows.slice(before.length);
    expect(fresh.map((row) => [row.user_id, row.action])).toEqual([
      [bm.id, 'read'],
      [bm.id, 'list'],
    ]);
    expect(JSON.parse(fresh[0]?.lead_ids ?? '[]')).toEqual([id]);
    expect(JSON.parse(fresh[1]?.lead_ids ?? '[]')).toHaveLength(listed.length);
  });

  it("erases every personal field of a phone number's leads and keeps the anonymous counts", async () => {
    const target = '13699998888';
    const first = await fixture.leads.capture(
      qrLead({ name: 'Erase Me', phone: target, campaign: 'erase-test' }),
    );
    await fixture.leads.capture(
      qrLead({ name: 'Erase Me', phone: `+86${target}`, campaign: 'erase-test' }),
    );
    await fixture.leads.note(fixture.users['bm-north'], first.id, 'Erase Me prefers mornings');
    const countsBefore = await fixture.leads.figures(fixture.users.marketer, 'campaign');

    expect(await fixture.leads.erase(`+86 136 9999 8888`)).toBe(2);
    expect(await fixture.leads.erase(target)).toBe(0);

    const raw = await rawTables(fixture);
    expect(raw).not.toContain('Erase Me');
    expect(raw).not.toContain(target);
    const lead = await fixture.leads.get(fixture.users['bm-north'], first.id);
    expect(lead).toMatchObject({ name: null, phone: null, erased: true });
    expect(lead.history.every((event) => event.note === null)).toBe(true);
    expect(await fixture.leads.figures(fixture.users.marketer, 'campaign')).toEqual(countsBefore);
    const logged = fixture.context.text.join('\n');
    expect(logged).not.toContain('Erase Me');
    expect(logged).not.toContain(target);
    expect(logged).not.toContain(name);
    expect(logged).toContain('personal data erased on request');
  });

  it('refuses an invalid phone number by naming the field, and stores nothing', async () => {
    const count = async () =>
      (await fixture.leads.db.selectFrom('leads').select('id').execute()).length;
    const before = await count();
    await expect(fixture.leads.capture(qrLead({ phone: '12345' }))).rejects.toMatchObject({
      code: 'SB_ERR_INVALID_REQUEST',
      path: 'phone',
    });
    expect(await count()).toBe(before);
  });

  // Last: it reseals every row under a key the fixture's own keyring does not hold.
  it('still opens rows sealed under the old key after a rotation, and reseals them on request', async () => {
    const { id } = await fixture.leads.capture(qrLead({ name: 'Old Key', phone: '13712340000' }));
    const rotated = {
      ...fixture.keyringConfig,
      current: 'k2',
      keys: { ...fixture.keyringConfig.keys, ...newKeyringConfig('k2').keys },
    };
    const after = createLeads(
      fixture.store.db,
      {},
      { ...fixture.secrets, keyring: createKeyring(rotated) },
      fixture.context,
    );

    expect((await after.get(fixture.users['bm-north'], id)).name).toBe('Old Key');
    expect(await after.reseal()).toBeGreaterThan(0);
    const row = await fixture.leads.db
      .selectFrom('leads')
      .select(['name_sealed', 'phone_sealed'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row.name_sealed?.startsWith('v1:k2:')).toBe(true);
    expect(row.phone_sealed?.startsWith('v1:k2:')).toBe(true);

    const withoutOld = { ...rotated, keys: { k2: rotated.keys.k2 ?? '' } };
    const newOnly = createLeads(
      fixture.store.db,
      {},
      { ...fixture.secrets, keyring: createKeyring(withoutOld) },
      fixture.context,
    );
    expect((await newOnly.get(fixture.users['bm-north'], id)).phone).toBe('+8613712340000');
  });
});

describe('keyring', () => {
  it('reads its keys from a key file and opens what it sealed', () => {
    const folder = tempFolder('sb-leads-keys-');
    const file = join(folder.path, 'keyring.json');
    writeFileSync(file, JSON.stringify(newKeyringConfig('k7')), { mode: 0o600 });
    const keyring = keyringFromEnvironment({ SB_LEADS_KEYRING_FILE: file });
    const sealed = keyring.seal('+8613800138000');
    folder.remove();

    expect(sealed.startsWith('v1:k7:')).toBe(true);
    expect(sealed).not.toContain('13800138000');
    expect(keyring.open(sealed)).toBe('+8613800138000');
  });

  it('refuses to start without any key configured', () => {
    expect(() => keyringFromEnvironment({})).toThrow(
      expect.objectContaining({ code: 'SB_ERR_INVALID_CONFIG' }),
    );
  });

  it('refuses a key that is not 32 bytes with one clear error', () => {
    expect(() =>
      createKeyring({ current: 'k1', keys: { k1: 'c2hvcnQ=' }, lookup: 'c2hvcnQ=' }),
    ).toThrow(expect.objectContaining({ code: 'SB_ERR_INVALID_CONFIG' }));
  });
});
