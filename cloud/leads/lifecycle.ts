import { randomUUID } from 'node:crypto';
import { SmartBranchError } from '../../core/index.ts';
import { branchManagers } from './assignment.ts';
import type { Keyring } from './crypto.ts';
import { type LeadRow, LeadState, type LeadsDb, nextStates, type Transition } from './schema.ts';

export interface StepDeps {
  db: LeadsDb;
  keyring: Keyring;
}

/**
 * Moves a lead one step, stamped with who and when; a lost lead needs its reason. Returns the
 * row before and after, for the webhook.
 */
export async function stepLead(
  deps: StepDeps,
  lead: LeadRow,
  step: Transition,
  by: string,
  now: number,
) {
  const from = LeadState.parse(lead.state);
  if (!nextStates[from].includes(step.to)) {
    throw new SmartBranchError('SB_ERR_CONFLICT', `${from} cannot become ${step.to}`, 'to');
  }
  if (step.to === 'lost' && !step.reason) {
    throw new SmartBranchError('SB_ERR_INVALID_REQUEST', 'reason: a lost lead needs one', 'reason');
  }

  const changes = {
    state: step.to,
    updated_at: now,
    ...(step.to === 'lost' ? { lost_reason: step.reason ?? null } : {}),
    ...(step.to === 'contacted' ? { contacted_at: now } : {}),
    ...(step.followUpAt ? { follow_up_at: step.followUpAt } : {}),
    // An unassigned lead belongs to whoever first works it.
    ...(lead.assignee ? {} : { assignee: by }),
  };
  await deps.db.transaction().execute(async (trx) => {
    const moved = await trx
      .updateTable('leads')
      .set(changes)
      .where('id', '=', lead.id)
      .where('state', '=', from)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) {
      throw new SmartBranchError('SB_ERR_CONFLICT', 'lead changed meanwhile');
    }

    await insertEvent(
      trx,
      deps.keyring,
      { lead: lead.id, by, kind: 'state', from, to: step.to },
      now,
      step.note,
    );
  });
  return { ...lead, ...changes };
}

/** Claims a pool lead for the caller. */
export async function claimLead(db: LeadsDb, lead: LeadRow, by: string, now: number) {
  const claimed = await db
    .updateTable('leads')
    .set({ assignee: by, updated_at: now })
    .where('id', '=', lead.id)
    .where('assignee', 'is', null)
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) {
    throw new SmartBranchError('SB_ERR_CONFLICT', 'lead already assigned');
  }

  await insertEvent(db, null, { lead: lead.id, by, kind: 'claim' }, now);
}

export async function addNote(
  deps: StepDeps,
  leadId: string,
  note: string,
  by: string,
  now: number,
) {
  await insertEvent(deps.db, deps.keyring, { lead: leadId, by, kind: 'note' }, now, note);
}

interface EventFields {
  lead: string;
  by: string;
  kind: string;
  from?: string;
  to?: string;
}

// Notes are free text about a person, so they are sealed like the name and phone.
async function insertEvent(
  db: LeadsDb,
  keyring: Keyring | null,
  event: EventFields,
  now: number,
  note?: string,
) {
  await db
    .insertInto('lead_events')
    .values({
      id: randomUUID(),
      lead_id: event.lead,
      at: now,
      by_user: event.by,
      kind: event.kind,
      from_state: event.from ?? null,
      to_state: event.to ?? null,
      note_sealed: note && keyring ? keyring.seal(note) : null,
    })
    .execute();
}

/** New leads past their SLA go to the branch's manager once; returns the ids escalated. */
export async function escalateOverdue(db: LeadsDb, now: number): Promise<string[]> {
  const overdue = await db
    .selectFrom('leads')
    .select(['id', 'branch'])
    .where('state', '=', 'new')
    .where('escalated_at', 'is', null)
    .where('erased_at', 'is', null)
    .where('sla_due_at', '<=', now)
    .execute();
  const escalated: string[] = [];
  for (const lead of overdue) {
    const managers = await branchManagers(db, lead.branch);
    await db
      .updateTable('leads')
      .set({ escalated_at: now, escalated_to: managers[0] ?? null, updated_at: now })
      .where('id', '=', lead.id)
      .where('escalated_at', 'is', null)
      .execute();
    await insertEvent(db, null, { lead: lead.id, by: 'sla', kind: 'escalated' }, now);
    escalated.push(lead.id);
  }

  return escalated;
}
