import type { Logger } from '../../core/index.ts';
import {
  type BenefitAllotment,
  type CouponRedemption,
  couponCodeFits,
  decodeMessage,
  type RedeemReply,
} from '../../protocol/index.ts';
import type { Outbox } from '../store/index.ts';
import type { UplinkState } from './state.ts';

export interface RedeemOutcome {
  redemptionId: string;
  outcome: 'accepted' | 'refused';
  benefit?: string;
  /** An SB_ERR_ code: out of stock, already redeemed, unknown code... */
  reason?: string;
  /** Accepted against the branch's allotment without the cloud. */
  offline: boolean;
  /** This redemption id was decided before: nothing happened again. */
  repeated: boolean;
}

export interface CounterOptions {
  state: UplinkState;
  outbox: Outbox;
  log: Logger;
  now(): number;
  /** Asks the cloud; resolves null when it cannot answer in time (offline). */
  askCloud(redemptionId: string, code: string): Promise<RedeemReply | null>;
}

interface AllotmentRow {
  benefit: string;
  allotted: number;
  valid_from: number | null;
  valid_to: number | null;
  code_key: string;
}

/**
 * Coupon redemption at the branch's counter. With the cloud reachable the cloud decides, so
 * a code already redeemed at another branch is refused here; with it gone, the counter
 * redeems against the branch's allotment. Every decision is kept by its redemption id, so a
 * resend gets the same answer, and every acceptance joins the redemptions stream.
 */
export function counter(options: CounterOptions) {
  const db = options.state.db;
  const find = db.prepare('SELECT * FROM uplink_redemptions WHERE redemption_id = ?');
  const allotments = db.prepare('SELECT * FROM uplink_allotments');
  const accepted = db
    .prepare(`SELECT COUNT(*) FROM uplink_redemptions WHERE benefit = ? AND outcome = 'accepted'`)
    .pluck();
  const codeTaken = db
    .prepare(`SELECT 1 FROM uplink_redemptions WHERE code = ? AND outcome = 'accepted'`)
    .pluck();
  const insert = db.prepare(`INSERT INTO uplink_redemptions
    (redemption_id, code, benefit, outcome, reason, offline, at) VALUES (?, ?, ?, ?, ?, ?, ?)`);

  const decide = db.transaction((outcome: RedeemOutcome, code: string, at: number) => {
    insert.run(
      outcome.redemptionId,
      code,
      outcome.benefit ?? null,
      outcome.outcome,
      outcome.reason ?? null,
      outcome.offline ? 1 : 0,
      at,
    );
    if (outcome.outcome !== 'accepted' || !outcome.benefit) return;

    const data: CouponRedemption = {
      redemptionId: outcome.redemptionId,
      code,
      benefit: outcome.benefit,
      redeemedAt: at,
      offline: outcome.offline,
    };
    options.outbox.append({ kind: 'benefit.redemption', at, data });
  });

  const offlineDecision = (redemptionId: string, code: string, at: number): RedeemOutcome => {
    const refuse = (reason: string, benefit?: string): RedeemOutcome => ({
      redemptionId,
      outcome: 'refused',
      reason,
      offline: true,
      repeated: false,
      ...(benefit ? { benefit } : {}),
    });
    const benefit = (allotments.all() as AllotmentRow[]).find((row) =>
      couponCodeFits(row.code_key, code),
    );
    if (!benefit) return refuse('SB_ERR_NOT_FOUND');
    if ((benefit.valid_from ?? 0) > at || (benefit.valid_to ?? Infinity) < at)
      return refuse('SB_ERR_NOT_VALID_NOW', benefit.benefit);
    if (codeTaken.get(code)) return refuse('SB_ERR_ALREADY_REDEEMED', benefit.benefit);
    if (Number(accepted.get(benefit.benefit)) >= benefit.allotted)
      return refuse('SB_ERR_OUT_OF_STOCK', benefit.benefit);

    return {
      redemptionId,
      outcome: 'accepted',
      benefit: benefit.benefit,
      offline: true,
      repeated: false,
    };
  };

  return {
    async redeem(code: string, redemptionId: string): Promise<RedeemOutcome> {
      const known = stored(find.get(redemptionId));
      if (known) return known;

      const at = options.now();
      if (codeTaken.get(code)) {
        const outcome: RedeemOutcome = {
          redemptionId,
          outcome: 'refused',
          reason: 'SB_ERR_ALREADY_REDEEMED',
          offline: false,
          repeated: false,
        };
        decide(outcome, code, at);
        return outcome;
      }

      const reply = await options.askCloud(redemptionId, code);
      const again = stored(find.get(redemptionId));
      if (again) return again;

      const outcome: RedeemOutcome = reply
        ? {
            redemptionId,
            outcome: reply.outcome,
            offline: false,
            repeated: false,
            ...(reply.benefit ? { benefit: reply.benefit } : {}),
            ...(reply.reason ? { reason: reply.reason } : {}),
          }
        : offlineDecision(redemptionId, code, at);
      decide(outcome, code, at);
      options.log.info(
        {
          redemption: redemptionId,
          outcome: outcome.outcome,
          offline: outcome.offline,
          reason: outcome.reason,
        },
        'coupon redemption',
      );
      return outcome;
    },
    onAllotment(payload: Buffer, branch: string) {
      const decoded = decodeMessage('benefitAllotment', payload);
      if (!decoded.ok || decoded.message.branch !== branch) return;
      if (decoded.message.version <= options.state.number('allotmentVersion')) return;

      replaceAllotments(options.state, decoded.message);
      options.log.info(
        { version: decoded.message.version, benefits: decoded.message.benefits.length },
        'benefit allotment received',
      );
    },
  };
}

function stored(row: unknown): RedeemOutcome | null {
  if (!row) return null;

  const found = row as {
    redemption_id: string;
    outcome: 'accepted' | 'refused';
    benefit: string | null;
    reason: string | null;
    offline: number;
  };
  return {
    redemptionId: found.redemption_id,
    outcome: found.outcome,
    offline: found.offline === 1,
    repeated: true,
    ...(found.benefit ? { benefit: found.benefit } : {}),
    ...(found.reason ? { reason: found.reason } : {}),
  };
}

function replaceAllotments(state: UplinkState, allotment: BenefitAllotment) {
  const insert = state.db.prepare(`INSERT INTO uplink_allotments
    (benefit, name, allotted, valid_from, valid_to, code_key) VALUES (?, ?, ?, ?, ?, ?)`);
  state.db.transaction(() => {
    state.db.exec('DELETE FROM uplink_allotments');
    for (const entry of allotment.benefits) {
      insert.run(
        entry.benefit,
        entry.name,
        entry.allotted,
        entry.validFrom ?? null,
        entry.validTo ?? null,
        entry.codeKey,
      );
    }
    state.set('allotmentVersion', String(allotment.version));
  })();
}
