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

/** One branch's next manifest: the published campaigns that target it. */
export interface BranchPlan {
  branch: string;
  campaigns: readonly Campaign[];
}

// Rows per multi-row statement: well inside SQLite's 32766 bound values.
const rowsPerStatement = 200;

/**
 * Builds, signs, stores and publishes (retained) the next manifest of each branch, holding
 * every published campaign that targets it; records each one's rollout as pending and each
 * campaign that left the branch as removed. Every manifest is stored in one transaction
 * before any is published, so a gateway never sees a version the store does not hold.
 * Returns each branch's version.
 */
export async function publishBranches(
  deps: PublishDeps,
  plans: readonly BranchPlan[],
): Promise<Map<string, number>> {
  const now = deps.now();
  const entries = new Map<string, ManifestCampaign>();
  for (const campaign of new Set(plans.flatMap((plan) => plan.campaigns))) {
    entries.set(campaign.id, await manifestCampaign(deps, campaign));
  }

  const manifests = await deps.db.transaction().execute(async (trx) => {
    const versions = await currentVersions(
      trx,
      plans.map((plan) => plan.branch),
    );
    const signed = plans.map((plan) =>
      sign(deps.signingKey, {
        branch: plan.branch,
        version: (versions.get(plan.branch) ?? 0) + 1,
        issuedAt: now,
        campaigns: plan.campaigns.map((campaign) => entries.get(campaign.id) as ManifestCampaign),
      }),
    );
    await storeManifests(trx, signed, now);
    await recordRollouts(trx, plans, signed, now);
    return signed;
  });

  await Promise.all(
    manifests.map((manifest) =>
      deps.broker.publish(
        topic('campaignManifest', { branch: manifest.branch }),
        encodeMessage('campaignManifest', manifest),
        { qos: 1, retain: true },
      ),
    ),
  );
  return new Map(manifests.map((manifest) => [manifest.branch, manifest.version]));
}

/** The one-branch form of `publishBranches`. */
export async function publishBranch(
  deps: PublishDeps,
  branch: string,
  campaigns: readonly Campaign[],
): Promise<number> {
  const versions = await publishBranches(deps, [{ branch, campaigns }]);
  return versions.get(branch) ?? 0;
}

function sign(key: SigningKey, unsigned: Omit<CampaignManifest, 'keyId' | 'signature'>) {
  const withKey = { ...unsigned, keyId: key.keyId };
  return { ...withKey, signature: key.sign(manifestSigningBytes(withKey)) } as CampaignManifest;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += rowsPerStatement) {
    out.push(items.slice(index, index + rowsPerStatement));
  }
  return out;
}

async function currentVersions(db: ControlDb, branches: readonly string[]) {
  const versions = new Map<string, number>();
  for (const part of chunks(branches)) {
    const rows = await db
      .selectFrom('branch_manifests')
      .select(['branch', 'version'])
      .where('branch', 'in', part)
      .execute();
    for (const row of rows) versions.set(row.branch, row.version);
  }
  return versions;
}

async function storeManifests(db: ControlDb, manifests: readonly CampaignManifest[], now: number) {
  for (const part of chunks(manifests)) {
    await db
      .insertInto('branch_manifests')
      .values(
        part.map((manifest) => ({
          branch: manifest.branch,
          version: manifest.version,
          manifest: JSON.stringify(manifest),
          published_at: now,
        })),
      )
      .onConflict((conflict) =>
        conflict.column('branch').doUpdateSet((eb) => ({
          version: eb.ref('excluded.version'),
          manifest: eb.ref('excluded.manifest'),
          published_at: eb.ref('excluded.published_at'),
        })),
      )
      .execute();
  }
}

async function recordRollouts(
  db: ControlDb,
  plans: readonly BranchPlan[],
  manifests: readonly CampaignManifest[],
  now: number,
) {
  // Branches that keep the same campaigns share one statement: one per group, not per branch.
  const groups = new Map<string, { included: string[]; branches: string[]; version: number }>();
  for (const [index, plan] of plans.entries()) {
    const included = plan.campaigns.map((campaign) => campaign.id).sort();
    const version = manifests[index]?.version ?? 0;
    const key = `${version}|${included.join('|')}`;
    const group = groups.get(key) ?? { included, branches: [], version };
    group.branches.push(plan.branch);
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    for (const part of chunks(group.branches)) {
      let gone = db
        .updateTable('campaign_rollouts')
        .set({ state: 'removed', version: group.version, reason: null, updated_at: now })
        .where('branch', 'in', part)
        .where('state', '!=', 'removed');
      if (group.included.length > 0) gone = gone.where('campaign', 'not in', group.included);
      await gone.execute();
    }
  }

  const rows = plans.flatMap((plan, index) =>
    plan.campaigns.map((campaign) => ({
      campaign: campaign.id,
      branch: plan.branch,
      version: manifests[index]?.version ?? 0,
      state: 'pending',
      reason: null,
      gateway: null,
      updated_at: now,
    })),
  );
  for (const part of chunks(rows)) {
    await db
      .insertInto('campaign_rollouts')
      .values(part)
      .onConflict((conflict) =>
        conflict.columns(['campaign', 'branch']).doUpdateSet((eb) => ({
          version: eb.ref('excluded.version'),
          state: eb.ref('excluded.state'),
          reason: eb.ref('excluded.reason'),
          gateway: eb.ref('excluded.gateway'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
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
