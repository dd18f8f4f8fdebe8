import { randomUUID } from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js';
import { SmartBranchError } from '../../core/index.ts';
import { pickAssignee } from './assignment.ts';
import { addWorkingMinutes, BranchCalendar } from './calendar.ts';
import type { LeadsConfig } from './config.ts';
import type { Keyring } from './crypto.ts';
import { normalizePhone } from './phone.ts';
import type { LeadCapture, LeadsDb } from './schema.ts';
import { scoreLead } from './scoring.ts';

export interface CaptureDeps {
  db: LeadsDb;
  keyring: Keyring;
  config: LeadsConfig;
}

export function calendarOf(config: LeadsConfig, branch: string): BranchCalendar {
  return config.calendars[branch] ?? BranchCalendar.parse({});
}

/**
 * Stores a consented lead: phone normalized, name and phone sealed, score with its reasons,
 * an assignee (the card's manager, a round-robin pick or the pool) and the SLA deadline.
 * A kiosk record already taken in returns the lead it made, so a resend adds nothing.
 */
export async function captureLead(deps: CaptureDeps, input: LeadCapture, now: number) {
  const existing = input.sourceRecord ? await bySourceRecord(deps.db, input.sourceRecord) : null;
  if (existing) return { id: existing.id, duplicate: true };

  const phone = normalizePhone(input.phone, deps.config.defaultCountry as CountryCode);
  const lookup = deps.keyring.lookup(phone);
  const returning = await hasEarlierLead(deps.db, lookup);
  const score = scoreLead(deps.config.scoring, { ...input, returning });
  const assignee = await chooseAssignee(deps.db, input, now);
  const due = addWorkingMinutes(
    calendarOf(deps.config, input.branch),
    now,
    deps.config.slaWorkingMinutes,
  );
  const id = randomUUID();
  await deps.db
    .insertInto('leads')
    .values({
      id,
      created_at: now,
      source: input.source,
      source_record: input.sourceRecord ?? null,
      branch: input.branch,
      campaign: input.campaign ?? null,
      benefit: input.benefit ?? null,
      screen: input.screen ?? null,
      product: input.product,
      name_sealed: deps.keyring.seal(input.name),
      phone_sealed: deps.keyring.seal(phone),
      phone_lookup: lookup,
      consent_version: input.consentVersion,
      consent_text: input.consentText,
      state: 'new',
      lost_reason: null,
      assignee,
      score: score.score,
      score_reasons: JSON.stringify(score.reasons),
      sla_due_at: due,
      contacted_at: null,
      escalated_at: null,
      escalated_to: null,
      follow_up_at: null,
      updated_at: now,
      erased_at: null,
    })
    .execute();
  return { id, duplicate: false, assignee, score: score.score };
}

async function chooseAssignee(db: LeadsDb, input: LeadCapture, now: number) {
  if (!input.manager) return pickAssignee(db, input.branch, input.product, now);

  const manager = await db
    .selectFrom('lead_staff')
    .select('user_id')
    .where('user_id', '=', input.manager)
    .executeTakeFirst();
  if (!manager) throw new SmartBranchError('SB_ERR_NOT_FOUND', 'manager', 'manager');
  return manager.user_id;
}

async function bySourceRecord(db: LeadsDb, sourceRecord: string) {
  return db
    .selectFrom('leads')
    .select('id')
    .where('source_record', '=', sourceRecord)
    .executeTakeFirst();
}

async function hasEarlierLead(db: LeadsDb, lookup: string) {
  const row = await db
    .selectFrom('leads')
    .select('id')
    .where('phone_lookup', '=', lookup)
    .executeTakeFirst();
  return row !== undefined;
}
