import type { Keyring } from './crypto.ts';
import type { LeadRow } from './schema.ts';

/** A lead as a relationship or branch manager sees it, personal fields opened. */
export function personalView(row: LeadRow, keyring: Keyring) {
  return {
    ...anonymousView(row),
    name: row.name_sealed ? keyring.open(row.name_sealed) : null,
    phone: row.phone_sealed ? keyring.open(row.phone_sealed) : null,
  };
}
export type PersonalView = ReturnType<typeof personalView>;

/** A lead without anything that names a person: what a counts-only receiver may get. */
export function anonymousView(row: LeadRow) {
  return {
    id: row.id,
    createdAt: row.created_at,
    source: row.source,
    branch: row.branch,
    campaign: row.campaign,
    benefit: row.benefit,
    screen: row.screen,
    product: row.product,
    state: row.state,
    lostReason: row.lost_reason,
    assignee: row.assignee,
    score: row.score,
    scoreReasons: JSON.parse(row.score_reasons) as Array<{ rule: string; points: number }>,
    slaDueAt: row.sla_due_at,
    contactedAt: row.contacted_at,
    escalatedAt: row.escalated_at,
    escalatedTo: row.escalated_to,
    followUpAt: row.follow_up_at,
    consentVersion: row.consent_version,
    erased: row.erased_at !== null,
  };
}
export type AnonymousView = ReturnType<typeof anonymousView>;
