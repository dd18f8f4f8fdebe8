import { createHash, randomBytes } from 'node:crypto';
import { SmartBranchError } from '../../../core/index.ts';
import { newCouponCode } from '../../../protocol/index.ts';
import type { ControlDb } from '../schema.ts';
import type { BenefitBody, BenefitInput, SponsorInput } from './model.ts';

export interface Benefit extends BenefitInput {
  stock: BenefitInput['stock'] & { free: number };
  sponsorKind: string;
  allotments: Array<{ branch: string; allotted: number; used: number }>;
}

export async function saveSponsor(db: ControlDb, sponsor: SponsorInput) {
  await db
    .insertInto('sponsors')
    .values(sponsor)
    .onConflict((conflict) =>
      conflict.column('id').doUpdateSet({ name: sponsor.name, kind: sponsor.kind }),
    )
    .execute();
  return sponsor;
}

export async function listSponsors(db: ControlDb) {
  return db.selectFrom('sponsors').selectAll().orderBy('id').execute();
}

/** Makes a user a member of a sponsor: a merchant user sees that sponsor's benefits only. */
export async function addMember(db: ControlDb, sponsor: string, username: string) {
  const user = await db
    .selectFrom('users')
    .select(['id', 'role'])
    .where('username', '=', username)
    .executeTakeFirst();
  if (!user) throw new SmartBranchError('SB_ERR_NOT_FOUND', `user ${username}`, 'username');

  await requireSponsor(db, sponsor);
  await db
    .insertInto('sponsor_members')
    .values({ user_id: user.id, sponsor })
    .onConflict((conflict) => conflict.column('user_id').doUpdateSet({ sponsor }))
    .execute();
}

export async function memberSponsor(db: ControlDb, userId: string): Promise<string | null> {
  const row = await db
    .selectFrom('sponsor_members')
    .select('sponsor')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.sponsor ?? null;
}

async function requireSponsor(db: ControlDb, id: string) {
  const row = await db
    .selectFrom('sponsors')
    .select('kind')
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new SmartBranchError('SB_ERR_INVALID_REQUEST', `no sponsor ${id}`, 'sponsor');

  return row.kind;
}

/** Creates a benefit in the shared pool; its per-branch stock is reserved from the total. */
export async function createBenefit(db: ControlDb, input: BenefitInput, now: number) {
  await requireSponsor(db, input.sponsor);
  const { id, sponsor, stock, ...rest } = input;
  const body: BenefitBody = rest;
  const allotted = Object.values(stock.perBranch).reduce((sum, n) => sum + n, 0);
  await db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('benefits')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    if (existing) throw new SmartBranchError('SB_ERR_CONFLICT', `benefit ${id}`, 'id');

    await trx
      .insertInto('benefits')
      .values({
        id,
        sponsor,
        body: JSON.stringify(body),
        stock_total: stock.total,
        stock_free: stock.total - allotted,
        code_key: randomBytes(24).toString('base64'),
        created_at: now,
      })
      .execute();
    for (const [branch, count] of Object.entries(stock.perBranch)) {
      await trx
        .insertInto('benefit_allotments')
        .values({ benefit: id, branch, allotted: count, used: 0 })
        .execute();
    }
  });
  return getBenefit(db, id);
}

export async function getBenefit(db: ControlDb, id: string): Promise<Benefit> {
  const [benefit] = await listBenefits(db, { ids: [id] });
  if (!benefit) throw new SmartBranchError('SB_ERR_NOT_FOUND', `benefit ${id}`, 'id');

  return benefit;
}

export async function listBenefits(
  db: ControlDb,
  filter: { ids?: string[]; sponsor?: string } = {},
): Promise<Benefit[]> {
  let query = db
    .selectFrom('benefits')
    .innerJoin('sponsors', 'sponsors.id', 'benefits.sponsor')
    .select([
      'benefits.id',
      'benefits.sponsor',
      'benefits.body',
      'benefits.stock_total',
      'benefits.stock_free',
      'sponsors.kind',
    ])
    .orderBy('benefits.id');
  if (filter.ids) query = query.where('benefits.id', 'in', filter.ids);
  if (filter.sponsor) query = query.where('benefits.sponsor', '=', filter.sponsor);
  const rows = await query.execute();
  if (rows.length === 0) return [];

  const allotments = await db
    .selectFrom('benefit_allotments')
    .selectAll()
    .where(
      'benefit',
      'in',
      rows.map((row) => row.id),
    )
    .orderBy('branch')
    .execute();
  return rows.map((row) => {
    const own = allotments.filter((entry) => entry.benefit === row.id);
    const perBranch = Object.fromEntries(own.map((entry) => [entry.branch, entry.allotted]));
    return {
      ...(JSON.parse(row.body) as BenefitBody),
      id: row.id,
      sponsor: row.sponsor,
      sponsorKind: row.kind,
      stock: { total: row.stock_total, perBranch, free: row.stock_free },
      allotments: own.map(({ branch, allotted, used }) => ({ branch, allotted, used })),
    };
  });
}

export function customerHash(customer: string): string {
  return createHash('sha256').update(`sb-customer:${customer}`).digest('hex');
}

/**
 * Issues coupons with fresh unique codes: one per customer named (within the benefit's
 * per-customer limit, counted in the same transaction) or `count` anonymous ones.
 */
export async function issueCoupons(
  db: ControlDb,
  benefitId: string,
  request: {
    customers?: string[] | undefined;
    count?: number | undefined;
    campaign?: string | undefined;
  },
  now: number,
): Promise<string[]> {
  const benefit = await getBenefit(db, benefitId);
  const key = await codeKey(db, benefitId);
  const holders: Array<string | null> =
    request.customers?.map(customerHash) ?? Array.from({ length: request.count ?? 1 }, () => null);

  return db.transaction().execute(async (trx) => {
    const codes: string[] = [];
    for (const holder of holders) {
      if (holder) await checkLimit(trx, benefitId, holder, benefit.perCustomerLimit);

      const code = newCouponCode(key);
      await trx
        .insertInto('coupons')
        .values({
          code,
          benefit: benefitId,
          campaign: request.campaign ?? null,
          customer_hash: holder,
          issued_at: now,
          redeemed_at: null,
          redemption_id: null,
        })
        .execute();
      codes.push(code);
    }
    return codes;
  });
}

async function checkLimit(db: ControlDb, benefit: string, holder: string, limit: number) {
  const row = await db
    .selectFrom('coupons')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('benefit', '=', benefit)
    .where('customer_hash', '=', holder)
    .executeTakeFirstOrThrow();
  if (Number(row.count) >= limit) {
    throw new SmartBranchError('SB_ERR_LIMIT_REACHED', `limit ${limit}`, 'customers');
  }
}

export async function codeKey(db: ControlDb, benefit: string): Promise<string> {
  const row = await db
    .selectFrom('benefits')
    .select('code_key')
    .where('id', '=', benefit)
    .executeTakeFirstOrThrow();
  return row.code_key;
}
