import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/index.ts';

/**
 * The tables of campaigns, benefits and fleet operations, as their migrations made them
 * (`store/migrations/*-campaigns*.ts`). Times are epoch ms; JSON is text, read whole.
 */
export type CampaignTables = {
  campaign_assets: {
    sha256: string;
    size: number;
    mime: string;
    data: Buffer;
    created_at: number;
  };
  campaigns: {
    id: string;
    name: string;
    status: string;
    priority: number;
    objective: string;
    body: string;
    created_at: number;
    updated_at: number;
  };
  branch_manifests: { branch: string; version: number; manifest: string; published_at: number };
  campaign_rollouts: {
    campaign: string;
    branch: string;
    version: number;
    state: string;
    reason: string | null;
    gateway: string | null;
    updated_at: number;
  };
  campaign_conversions: {
    campaign: string;
    reference: string;
    branch: string;
    step: string;
    coupon_code: string | null;
    lead_id: string | null;
    at: number;
    imported_at: number;
  };
  campaign_targets: {
    campaign: string;
    branch: string;
    step: string;
    target: number;
    from_at: number;
    to_at: number;
  };
  sponsors: { id: string; name: string; kind: string };
  sponsor_members: { user_id: string; sponsor: string };
  benefits: {
    id: string;
    sponsor: string;
    body: string;
    stock_total: number;
    stock_free: number;
    code_key: string;
    created_at: number;
  };
  campaign_benefits: { campaign: string; benefit: string };
  benefit_allotments: { benefit: string; branch: string; allotted: number; used: number };
  branch_allotments: { branch: string; version: number };
  coupons: {
    code: string;
    benefit: string;
    campaign: string | null;
    customer_hash: string | null;
    issued_at: number;
    redeemed_at: number | null;
    redemption_id: string | null;
  };
  redemptions: {
    redemption_id: string;
    code: string;
    benefit: string | null;
    channel: string;
    branch: string | null;
    merchant: string | null;
    outcome: string;
    reason: string | null;
    review: number;
    at: number;
    received_at: number;
  };
  redemption_sync: { gateway: string; seq: number };
  branch_profiles: {
    branch: string;
    theme: string | null;
    address: string | null;
    latitude: number | null;
    longitude: number | null;
  };
  branch_modules: { branch: string; modules: string; version: number; updated_at: number };
  gateway_commands: {
    id: string;
    gateway: string;
    action: string;
    request: string;
    state: string;
    result: string | null;
    created_at: number;
    expires_at: number;
    answered_at: number | null;
  };
  gateway_command_sequences: { gateway: string; sequence: number };
};

export type ControlDb = Kysely<Database & CampaignTables>;
export type ControlTrx = Transaction<Database & CampaignTables>;

/** The store seen with these tables too; the shared `Database` type stays as it is. */
export function controlDb(db: Kysely<Database>): ControlDb {
  return db.withTables<CampaignTables>();
}
