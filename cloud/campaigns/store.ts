import { createHash } from 'node:crypto';
import { SmartBranchError } from '../../core/index.ts';
import type { Campaign, CampaignInput, CampaignStatus } from './model.ts';
import type { CampaignTables, ControlDb } from './schema.ts';

type CampaignRow = CampaignTables['campaigns'];

function fromRow(row: CampaignRow): Campaign {
  const body = JSON.parse(row.body) as CampaignInput;
  return {
    ...body,
    status: row.status as CampaignStatus,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function createCampaign(db: ControlDb, input: CampaignInput, now: number) {
  const existing = await db
    .selectFrom('campaigns')
    .select('id')
    .where('id', '=', input.id)
    .executeTakeFirst();
  if (existing) throw new SmartBranchError('SB_ERR_CONFLICT', `campaign ${input.id}`, 'id');

  await checkReferences(db, input);
  await db
    .insertInto('campaigns')
    .values({
      id: input.id,
      name: input.name,
      status: 'draft',
      priority: input.priority,
      objective: input.objective,
      body: JSON.stringify(input),
      created_at: now,
      updated_at: now,
    })
    .execute();
  await linkBenefits(db, input);
  return getCampaign(db, input.id);
}

export async function updateCampaign(db: ControlDb, input: CampaignInput, now: number) {
  await getCampaign(db, input.id);
  await checkReferences(db, input);
  await db
    .updateTable('campaigns')
    .set({
      name: input.name,
      priority: input.priority,
      objective: input.objective,
      body: JSON.stringify(input),
      updated_at: now,
    })
    .where('id', '=', input.id)
    .execute();
  await linkBenefits(db, input);
  return getCampaign(db, input.id);
}

export async function setStatus(db: ControlDb, id: string, status: CampaignStatus, now: number) {
  await db.updateTable('campaigns').set({ status, updated_at: now }).where('id', '=', id).execute();
}

export async function getCampaign(db: ControlDb, id: string): Promise<Campaign> {
  const row = await db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new SmartBranchError('SB_ERR_NOT_FOUND', `campaign ${id}`, 'id');

  return fromRow(row);
}

export async function listCampaigns(db: ControlDb, statuses?: CampaignStatus[]) {
  let query = db.selectFrom('campaigns').selectAll().orderBy('id');
  if (statuses) query = query.where('status', 'in', statuses);
  return (await query.execute()).map(fromRow);
}

/** Every asset an item names must be uploaded, every benefit in the pool. */
async function checkReferences(db: ControlDb, input: CampaignInput) {
  for (const [index, item] of input.items.entries()) {
    if (!item.asset) continue;

    const asset = await db
      .selectFrom('campaign_assets')
      .select('sha256')
      .where('sha256', '=', item.asset)
      .executeTakeFirst();
    if (!asset) {
      const path = `items.${index}.asset`;
      throw new SmartBranchError('SB_ERR_INVALID_REQUEST', `${path}: not uploaded`, path);
    }
  }
  for (const [index, benefit] of input.benefits.entries()) {
    const row = await db
      .selectFrom('benefits')
      .select('id')
      .where('id', '=', benefit)
      .executeTakeFirst();
    if (!row) {
      const path = `benefits.${index}`;
      throw new SmartBranchError('SB_ERR_INVALID_REQUEST', `${path}: no benefit ${benefit}`, path);
    }
  }
}

async function linkBenefits(db: ControlDb, input: CampaignInput) {
  await db.deleteFrom('campaign_benefits').where('campaign', '=', input.id).execute();
  if (input.benefits.length === 0) return;

  await db
    .insertInto('campaign_benefits')
    .values(input.benefits.map((benefit) => ({ campaign: input.id, benefit })))
    .execute();
}

// Assets ---------------------------------------------------------------------------------------

export async function storeAsset(db: ControlDb, bytes: Buffer, mime: string, now: number) {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  await db
    .insertInto('campaign_assets')
    .values({ sha256, size: bytes.length, mime, data: bytes, created_at: now })
    .onConflict((conflict) => conflict.column('sha256').doNothing())
    .execute();
  return { sha256, size: bytes.length, mime };
}

export async function assetInfo(db: ControlDb, sha256: string) {
  return db
    .selectFrom('campaign_assets')
    .select(['sha256', 'size', 'mime'])
    .where('sha256', '=', sha256)
    .executeTakeFirst();
}

type AssetBytes = { data: Buffer; mime: string; size: number };

export async function assetBytes(db: ControlDb, sha256: string): Promise<AssetBytes | undefined> {
  return db
    .selectFrom('campaign_assets')
    .select(['data', 'mime', 'size'])
    .where('sha256', '=', sha256)
    .executeTakeFirst();
}

/**
 * Recently served assets in memory, up to `maxBytes`: a rollout to a thousand branches asks
 * for the same few files a thousand times. Content-addressed, so never stale on any replica.
 */
export function servedAssets(db: ControlDb, maxBytes = 64 * 1024 * 1024) {
  const held = new Map<string, AssetBytes>();
  let bytes = 0;
  return async (sha256: string): Promise<AssetBytes | undefined> => {
    const cached = held.get(sha256);
    if (cached) return cached;

    const row = await assetBytes(db, sha256);
    if (!row || row.size > maxBytes / 4) return row;

    for (const [key, entry] of held) {
      if (bytes + row.size <= maxBytes) break;
      held.delete(key);
      bytes -= entry.size;
    }
    const entry = { data: Buffer.from(row.data), mime: row.mime, size: row.size };
    held.set(sha256, entry);
    bytes += entry.size;
    return entry;
  };
}
