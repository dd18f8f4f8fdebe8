import {
  type CampaignManifest,
  encodeMessage,
  type ManifestBenefit,
  manifestSigningBytes,
  topic,
} from '../../protocol/index.ts';
import type { CloudBroker } from '../fleet/index.ts';
import type { BenefitBody } from './benefits/model.ts';
import type { Campaign } from './model.ts';
import type { ControlDb } from './schema.ts';
import type { SigningKey } from './signing.ts';

type ManifestCampaign = CampaignManifest['campaigns'][number];

/** What publishing needs: the store, the broker, the key, and the time. */
export interface PublishDeps {
  db: ControlDb;
  broker: Pick<CloudBroker, 'publish'>;
  signingKey: SigningKey;
  now: () => number;
}

/** Campaigns of these statuses are in manifests; the gateway's scheduler honours dates. */
export const publishedStatuses = ['live', 'scheduled'] as const;

/**
 * Builds, signs, stores and publishes (retained) the next manifest of one branch, holding
 * every published campaign that targets it; records each one's rollout as pending and each
 * campaign that left the branch as removed. Returns the version.
 */
export async function publishBranch(
  deps: PublishDeps,
  branch: string,
  campaigns: readonly Campaign[],
): Promise<number> {
  const now = deps.now();
  const entries = await Promise.all(campaigns.map((campaign) => manifestCampaign(deps, campaign)));
  const manifest = await deps.db.transaction().execute(async (trx) => {
    const version = await nextVersion(trx as unknown as ControlDb, branch);
    const signed = sign(deps.signingKey, { branch, version, issuedAt: now, campaigns: entries });
    await trx
      .insertInto('branch_manifests')
      .values({ branch, version, manifest: JSON.stringify(signed), published_at: now })
      .onConflict((conflict) =>
        conflict
          .column('branch')
          .doUpdateSet({ version, manifest: JSON.stringify(signed), published_at: now }),
      )
      .execute();
    await recordRollouts(trx as unknown as ControlDb, branch, version, campaigns, now);
    return signed;
  });

  await deps.broker.publish(
    topic('campaignManifest', { branch }),
    encodeMessage('campaignManifest', manifest),
    { qos: 1, retain: true },
  );
  return manifest.version;
}

function sign(key: SigningKey, unsigned: Omit<CampaignManifest, 'keyId' | 'signature'>) {
  const withKey = { ...unsigned, keyId: key.keyId };
  return { ...withKey, signature: key.sign(manifestSigningBytes(withKey)) } as CampaignManifest;
}

async function nextVersion(db: ControlDb, branch: string): Promise<number> {
  const row = await db
    .selectFrom('branch_manifests')
    .select('version')
    .where('branch', '=', branch)
    .executeTakeFirst();
  return (row?.version ?? 0) + 1;
}

async function recordRollouts(
  db: ControlDb,
  branch: string,
  version: number,
  campaigns: readonly Campaign[],
  now: number,
) {
  const included = campaigns.map((campaign) => campaign.id);
  let gone = db
    .updateTable('campaign_rollouts')
    .set({ state: 'removed', version, reason: null, updated_at: now })
    .where('branch', '=', branch);
  if (included.length > 0) gone = gone.where('campaign', 'not in', included);
  await gone.execute();

  for (const campaign of included) {
    const row = { version, state: 'pending', reason: null, gateway: null, updated_at: now };
    await db
      .insertInto('campaign_rollouts')
      .values({ campaign, branch, ...row })
      .onConflict((conflict) => conflict.columns(['campaign', 'branch']).doUpdateSet(row))
      .execute();
  }
}

async function manifestCampaign(deps: PublishDeps, campaign: Campaign): Promise<ManifestCampaign> {
  const items = await Promise.all(
    campaign.items.map(async (item) => {
      const asset = item.asset
        ? await deps.db
            .selectFrom('campaign_assets')
            .select(['sha256', 'size'])
            .where('sha256', '=', item.asset)
            .executeTakeFirst()
        : undefined;
      const { asset: _asset, ...rest } = item;
      // Web pages and templates carry no file: the hash of nothing stands for it.
      return { ...rest, sha256: asset?.sha256 ?? emptySha256, size: asset?.size ?? 0 };
    }),
  );
  const benefits = await manifestBenefits(deps.db, campaign.benefits);
  return {
    id: campaign.id,
    name: campaign.name,
    priority: campaign.priority,
    items,
    ...(campaign.schedule ? { schedule: campaign.schedule } : {}),
    ...(campaign.target ? { target: campaign.target } : {}),
    ...(campaign.rule ? { rule: campaign.rule } : {}),
    ...(campaign.shareOfVoice ? { shareOfVoice: campaign.shareOfVoice } : {}),
    ...(benefits.length > 0 ? { benefits } : {}),
  };
}

const emptySha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

async function manifestBenefits(db: ControlDb, ids: readonly string[]) {
  if (ids.length === 0) return [];

  const rows = await db
    .selectFrom('benefits')
    .innerJoin('sponsors', 'sponsors.id', 'benefits.sponsor')
    .select(['benefits.id', 'benefits.body', 'sponsors.kind'])
    .where('benefits.id', 'in', ids)
    .execute();
  return rows.map((row): ManifestBenefit => {
    const body = JSON.parse(row.body) as BenefitBody;
    return {
      id: row.id,
      name: body.name,
      kind: body.kind,
      sponsor: row.kind as ManifestBenefit['sponsor'],
      ...(body.valueMinor !== undefined ? { valueMinor: body.valueMinor } : {}),
      ...(body.validFrom !== undefined ? { validFrom: body.validFrom } : {}),
      ...(body.validTo !== undefined ? { validTo: body.validTo } : {}),
    };
  });
}

/** The manifest a branch holds now, or null before its first publish. */
export async function branchManifest(db: ControlDb, branch: string) {
  const row = await db
    .selectFrom('branch_manifests')
    .select('manifest')
    .where('branch', '=', branch)
    .executeTakeFirst();
  return row ? (JSON.parse(row.manifest) as CampaignManifest) : null;
}
