import { type BenefitAllotment, encodeMessage, topic } from '../../../protocol/index.ts';
import type { CloudBroker } from '../../fleet/index.ts';
import type { ControlDb } from '../schema.ts';
import type { BenefitBody } from './model.ts';

/**
 * Publishes (retained) the allotments of one branch: each benefit it holds stock of, with
 * the key that recognises its codes, so the counter redeems with the cloud gone.
 */
export async function publishAllotment(
  db: ControlDb,
  broker: Pick<CloudBroker, 'publish'>,
  branch: string,
  now: number,
): Promise<BenefitAllotment> {
  const rows = await db
    .selectFrom('benefit_allotments')
    .innerJoin('benefits', 'benefits.id', 'benefit_allotments.benefit')
    .select(['benefits.id', 'benefits.body', 'benefits.code_key', 'benefit_allotments.allotted'])
    .where('benefit_allotments.branch', '=', branch)
    .orderBy('benefits.id')
    .execute();
  const version = await nextVersion(db, branch);
  const message: BenefitAllotment = {
    branch,
    version,
    at: now,
    benefits: rows.map((row) => {
      const body = JSON.parse(row.body) as BenefitBody;
      return {
        benefit: row.id,
        name: body.name,
        allotted: row.allotted,
        codeKey: row.code_key,
        ...(body.validFrom !== undefined ? { validFrom: body.validFrom } : {}),
        ...(body.validTo !== undefined ? { validTo: body.validTo } : {}),
      };
    }),
  };
  await broker.publish(
    topic('benefitAllotment', { branch }),
    encodeMessage('benefitAllotment', message),
    { qos: 1, retain: true },
  );
  return message;
}

async function nextVersion(db: ControlDb, branch: string): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('branch_allotments')
      .select('version')
      .where('branch', '=', branch)
      .executeTakeFirst();
    const version = (row?.version ?? 0) + 1;
    await trx
      .insertInto('branch_allotments')
      .values({ branch, version })
      .onConflict((conflict) => conflict.column('branch').doUpdateSet({ version }))
      .execute();
    return version;
  });
}
