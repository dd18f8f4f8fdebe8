import type { CountryCode } from 'libphonenumber-js';
import type { Keyring } from './crypto.ts';
import { normalizePhone } from './phone.ts';
import type { LeadsDb } from './schema.ts';

/**
 * A person's request to be forgotten: every personal field of their leads goes (name, phone,
 * its lookup hash, the notes), while the lead's state, product and attribution stay for the
 * anonymous counts. Returns how many leads were erased.
 */
export async function eraseByPhone(
  db: LeadsDb,
  keyring: Keyring,
  phoneInput: string,
  country: CountryCode,
  now: number,
): Promise<number> {
  const lookup = keyring.lookup(normalizePhone(phoneInput, country));
  return db.transaction().execute(async (trx) => {
    const leads = await trx
      .selectFrom('leads')
      .select('id')
      .where('phone_lookup', '=', lookup)
      .execute();
    const ids = leads.map((lead) => lead.id);
    if (ids.length === 0) return 0;

    await trx
      .updateTable('leads')
      .set({
        name_sealed: null,
        phone_sealed: null,
        phone_lookup: null,
        erased_at: now,
        updated_at: now,
      })
      .where('id', 'in', ids)
      .execute();
    await trx
      .updateTable('lead_events')
      .set({ note_sealed: null })
      .where('lead_id', 'in', ids)
      .execute();
    return ids.length;
  });
}

/** Re-seals every value sealed under an older key with the current one; returns the count. */
export async function resealWithCurrentKey(db: LeadsDb, keyring: Keyring): Promise<number> {
  const stale = `v1:${keyring.currentId}:%`;
  const leads = await db
    .selectFrom('leads')
    .select(['id', 'name_sealed', 'phone_sealed'])
    .where((where) =>
      where.or([where('name_sealed', 'not like', stale), where('phone_sealed', 'not like', stale)]),
    )
    .execute();
  const reseal = (value: string | null) => (value ? keyring.seal(keyring.open(value)) : null);
  for (const lead of leads) {
    await db
      .updateTable('leads')
      .set({ name_sealed: reseal(lead.name_sealed), phone_sealed: reseal(lead.phone_sealed) })
      .where('id', '=', lead.id)
      .execute();
  }

  const notes = await db
    .selectFrom('lead_events')
    .select(['id', 'note_sealed'])
    .where('note_sealed', 'not like', stale)
    .execute();
  for (const note of notes) {
    await db
      .updateTable('lead_events')
      .set({ note_sealed: reseal(note.note_sealed) })
      .where('id', '=', note.id)
      .execute();
  }

  return leads.length + notes.length;
}
