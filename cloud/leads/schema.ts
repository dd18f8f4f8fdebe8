import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../store/index.ts';

/** The life cycle; `after-sales` follows a won lead (satisfaction check, next offer). */
export const LeadState = z.enum(['new', 'contacted', 'qualified', 'won', 'lost', 'after-sales']);
export type LeadState = z.output<typeof LeadState>;

export const LeadSource = z.enum(['qr', 'card', 'kiosk', 'technician']);
export type LeadSource = z.output<typeof LeadSource>;

/** Which step may follow which; a lost lead is closed. */
export const nextStates: Record<LeadState, readonly LeadState[]> = {
  new: ['contacted', 'lost'],
  contacted: ['qualified', 'lost'],
  qualified: ['won', 'lost'],
  won: ['after-sales'],
  lost: [],
  'after-sales': [],
};

const Id = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/);
const Text = (max: number) => z.string().trim().min(1).max(max);

/** What a capture hands over, whatever the door (QR page, kiosk, technician UI). */
export const LeadCapture = z.strictObject({
  source: LeadSource,
  sourceRecord: z.string().max(200).optional(),
  branch: Id,
  campaign: Id.optional(),
  benefit: Id.optional(),
  screen: Id.optional(),
  manager: Id.optional(),
  product: Id,
  name: Text(120),
  phone: Text(40),
  consent: z.literal(true),
  consentVersion: Text(40),
  consentText: Text(4000),
  /** Visits to an advisory zone of the branch that day, as a count from sensing. */
  advisoryDwellCount: z.number().int().min(0).max(100).optional(),
});
export type LeadCapture = z.output<typeof LeadCapture>;

export const Transition = z.strictObject({
  to: LeadState,
  reason: Text(300).optional(),
  note: Text(2000).optional(),
  followUpAt: z.number().int().positive().optional(),
});

export type Transition = z.output<typeof Transition>;

export const NoteBody = z.strictObject({ note: Text(2000) });

export const StaffBody = z.strictObject({
  userId: Id,
  branch: Id,
  displayName: Text(80),
  skills: z.array(Id).max(20),
  onDuty: z.boolean(),
});
export type StaffInput = z.output<typeof StaffBody>;

export const EraseBody = z.strictObject({ phone: Text(40) });

export type LeadsTables = {
  leads: {
    id: string;
    created_at: number;
    source: string;
    source_record: string | null;
    branch: string;
    campaign: string | null;
    benefit: string | null;
    screen: string | null;
    product: string;
    name_sealed: string | null;
    phone_sealed: string | null;
    phone_lookup: string | null;
    consent_version: string;
    consent_text: string;
    state: string;
    lost_reason: string | null;
    assignee: string | null;
    score: number;
    score_reasons: string;
    sla_due_at: number;
    contacted_at: number | null;
    escalated_at: number | null;
    escalated_to: string | null;
    follow_up_at: number | null;
    updated_at: number;
    erased_at: number | null;
  };
  lead_events: {
    id: string;
    lead_id: string;
    at: number;
    by_user: string;
    kind: string;
    from_state: string | null;
    to_state: string | null;
    note_sealed: string | null;
  };
  lead_staff: {
    user_id: string;
    branch: string;
    display_name: string;
    skills: string;
    on_duty: number;
    last_assigned_at: number;
  };
  lead_audit: {
    id: string;
    at: number;
    user_id: string;
    role: string;
    action: string;
    lead_ids: string;
  };
};

export type LeadsDb = Kysely<Database & LeadsTables>;

export function leadsDb(db: Kysely<Database>): LeadsDb {
  return db.withTables<LeadsTables>();
}

export type LeadRow = LeadsTables['leads'];
