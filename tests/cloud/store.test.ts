import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey } from '../../cloud/campaigns/index.ts';
import { authenticateGateway } from '../../cloud/fleet/gateways.ts';
import {
  createEnrolmentToken,
  enrolGateway,
  readStatuses,
  storeStatus,
  syncBranches,
} from '../../cloud/fleet/index.ts';
import { readRecords, storeBatch, streamFigures } from '../../cloud/insights/index.ts';
import { openStore, type Store } from '../../cloud/store/index.ts';
import { migrateToLatest } from '../../cloud/store/migrate.ts';
import {
  checkLogin,
  closeSession,
  createUser,
  openSession,
  sessionUser,
} from '../../cloud/users/index.ts';
import { hashPassword, randomSecret, verifySecret } from '../../core/index.ts';
import { audienceRecord } from './peer.ts';
import {
  postgresTarget,
  type StoreTarget,
  sqliteTarget,
  storeDialects,
  tempFolder,
  testBranches,
  testContext,
} from './support.ts';

const dialects = await storeDialects();
const folder = tempFolder();
const drops: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const drop of drops) await drop();
  folder.remove();
});

const now = Date.UTC(2026, 0, 5, 9);

describe.each(dialects)('the cloud store on %s', (dialect) => {
  let store: Store;
  let storeTarget: StoreTarget;
  const context = testContext(now);

  beforeAll(async () => {
    if (dialect === 'sqlite') storeTarget = sqliteTarget(folder.path, 'store.db');
    else {
      const postgres = postgresTarget();
      drops.push(postgres.drop);
      storeTarget = postgres;
    }
    store = await openStore(storeTarget, context);
    await syncBranches(store.db, testBranches, now);
  });

  afterAll(async () => {
    await store.close();
  });

  it('applies no migration twice', async () => {
    const again = await migrateToLatest(store.db, storeTarget.schema);

    expect(again).toEqual([]);
  });

  it('stores a batch and moves the cursor in one step, ignoring records it holds', async () => {
    await enroll('gw-batch');
    const records = [1, 2, 3].map((seq) => audienceRecord(seq));
    await primeCursor('gw-batch');

    const first = await storeBatch(
      store.db,
      { gateway: 'gw-batch', stream: 'audience', after: 0, records },
      now,
    );
    const overlapping = [2, 3, 4].map((seq) => audienceRecord(seq));
    const second = await storeBatch(
      store.db,
      { gateway: 'gw-batch', stream: 'audience', after: 3, records: overlapping },
      now,
    );

    expect(first).toEqual({ cursor: 3, stored: 3 });
    expect(second).toEqual({ cursor: 4, stored: 1 });
    expect(await readRecords(store.db, 'gw-batch', 'audience')).toEqual(
      [1, 2, 3, 4].map((seq) => audienceRecord(seq)),
    );
  });

  it('stores nothing from a batch asked from a cursor that has moved since', async () => {
    const batch = {
      gateway: 'gw-batch',
      stream: 'audience' as const,
      after: 1,
      records: [audienceRecord(9)],
    };

    expect(await storeBatch(store.db, batch, now)).toBeNull();
    const figures = await streamFigures(store.db);
    expect(figures.find((entry) => entry.gateway === 'gw-batch')).toEqual({
      gateway: 'gw-batch',
      stream: 'audience',
      records: 4,
      cursor: 4,
    });
  });

  it('lets one of two racing batches from the same cursor win, never both', async () => {
    await enroll('gw-race');
    await primeCursor('gw-race');
    const batch = (seq: number) => ({
      gateway: 'gw-race',
      stream: 'audience' as const,
      after: 0,
      records: [audienceRecord(seq)],
    });

    const results = await Promise.all([
      storeBatch(store.db, batch(1), now),
      storeBatch(store.db, batch(2), now),
    ]);

    expect(results.filter((result) => result !== null)).toHaveLength(1);
    expect(await readRecords(store.db, 'gw-race', 'audience')).toHaveLength(1);
  });

  it('enrols once per token, storing its hash and a salted SHA-256 of the password', async () => {
    const { token } = await createEnrolmentToken(store.db, 'north#1', 60_000, now);
    const enrolment = await enrolGateway(
      store.db,
      { token, gateway: 'gw-store', version: '1' },
      now,
    );

    const tokens = await store.db.selectFrom('enrolment_tokens').selectAll().execute();
    const gateway = await store.db
      .selectFrom('gateways')
      .selectAll()
      .where('id', '=', 'gw-store')
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(tokens)).not.toContain(token);
    expect(gateway.password_hash).toMatch(/^sha256\$/);
    expect(gateway.password_hash).not.toContain(enrolment.password);
    expect(verifySecret(enrolment.password, gateway.password_hash)).toBe(true);
    await expect(
      enrolGateway(store.db, { token, gateway: 'gw-store', version: '1' }, now),
    ).rejects.toMatchObject({
      code: 'SB_ERR_TOKEN_USED',
    });
  });

  it('admits a gateway enrolled with an scrypt hash once, then holds the fast hash', async () => {
    const password = randomSecret();
    await enroll('gw-legacy', await hashPassword(password));

    expect(await authenticateGateway(store.db, 'gw-legacy', `${password}x`)).toBeNull();
    expect(await storedHash('gw-legacy')).toMatch(/^scrypt\$/);
    expect(await authenticateGateway(store.db, 'gw-legacy', password)).toEqual({
      gateway: 'gw-legacy',
      branch: 'north#1',
    });
    expect(await storedHash('gw-legacy')).toMatch(/^sha256\$/);
    expect(await authenticateGateway(store.db, 'gw-legacy', password)).not.toBeNull();
    expect(await authenticateGateway(store.db, 'gw-legacy', `${password}x`)).toBeNull();
  });

  it('skips the scrypt check of a client that gave up, and keeps its hash', async () => {
    const password = randomSecret();
    await enroll('gw-gone', await hashPassword(password));

    expect(await authenticateGateway(store.db, 'gw-gone', password, () => true)).toBeNull();
    expect(await storedHash('gw-gone')).toMatch(/^scrypt\$/);
  });

  it('refuses a token at the moment it expires', async () => {
    const { token } = await createEnrolmentToken(store.db, 'north#1', 1000, now);

    await expect(
      enrolGateway(store.db, { token, gateway: 'gw-late', version: '1' }, now + 1000),
    ).rejects.toMatchObject({
      code: 'SB_ERR_TOKEN_EXPIRED',
    });
  });

  it('keeps the newest live status of a gateway when an older one arrives late', async () => {
    const status = (at: number, people: number) => ({
      gateway: 'gw-status',
      at,
      version: '0.1.0',
      people,
      cameraSource: 'synthetic' as const,
      ticketsWaiting: 1,
      ticketsServedToday: 2,
      backlog: { audience: 3, queue: 0, plays: 0 },
      devicesOnline: 1,
      devicesTotal: 1,
    });
    await storeStatus(store.db, status(now + 10, 4), now + 11);
    await storeStatus(store.db, status(now + 5, 9), now + 12);

    const statuses = await readStatuses(store.db);
    expect(statuses.get('gw-status')).toEqual({
      status: status(now + 10, 4),
      lastSeenAt: now + 11,
    });
    await storeStatus(store.db, status(now + 20, 6), now + 21);
    expect((await readStatuses(store.db)).get('gw-status')?.status.people).toBe(6);
  });

  it('checks logins against scrypt hashes and expires sessions', async () => {
    const user = await createUser(
      store.db,
      { username: 'ana', passwordHash: await hashPassword('s3cret-pass'), role: 'analyst' },
      now,
    );
    const session = await openSession(store.db, user, 60_000, now);

    expect(await checkLogin(store.db, 'ana', 'wrong')).toBeNull();
    expect(await checkLogin(store.db, 'nobody', 's3cret-pass')).toBeNull();
    expect(await checkLogin(store.db, 'ana', 's3cret-pass')).toEqual(user);
    expect(await sessionUser(store.db, session.token, now + 59_999)).toEqual(user);
    expect(await sessionUser(store.db, session.token, now + 60_000)).toBeNull();
    await closeSession(store.db, session.token);
    expect(await sessionUser(store.db, session.token, now)).toBeNull();
  });

  it('signs with the same stored key after a reopen', async () => {
    const first = await loadSigningKey(store.db, undefined, context);
    const second = await loadSigningKey(store.db, undefined, context);

    expect(second.keyId).toBe(first.keyId);
    expect(second.publicKeyPem).toBe(first.publicKeyPem);
  });

  async function enroll(gateway: string, passwordHash = 'scrypt$x$y') {
    await store.db
      .insertInto('gateways')
      .values({
        id: gateway,
        branch: 'north#1',
        password_hash: passwordHash,
        version: '1',
        enrolled_at: now,
        rotated_at: now,
      })
      .execute();
  }

  async function storedHash(gateway: string) {
    const row = await store.db
      .selectFrom('gateways')
      .select('password_hash')
      .where('id', '=', gateway)
      .executeTakeFirstOrThrow();
    return row.password_hash;
  }

  async function primeCursor(gateway: string) {
    await store.db
      .insertInto('cursors')
      .values({ gateway, stream: 'audience', seq: 0, updated_at: now })
      .execute();
  }
});
