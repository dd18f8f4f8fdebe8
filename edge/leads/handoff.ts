import { SealedLead } from '../../protocol/index.ts';
import type { Outbox } from '../store/outbox.ts';

/**
 * Puts a kiosk lead, already sealed in the page, in the outbox's `leads` stream. The gateway
 * never sees the fields: the schema admits ciphertext only, and the cloud's pull (cursor
 * per stream, moved in the same transaction as the store) delivers it exactly once.
 * Returns the record's sequence, or the schema's complaint.
 */
export function handOverSealedLead(
  outbox: Outbox,
  body: unknown,
  at: number,
): { seq: number } | { error: string } {
  const parsed = SealedLead.safeParse(body);
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? 'not a sealed lead' };

  return { seq: outbox.append({ kind: 'lead.sealed', at, data: parsed.data }) };
}
