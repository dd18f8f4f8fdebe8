import { z } from 'zod';
import { SmartBranchError } from '../../core/index.ts';
import { Id } from '../../protocol/index.ts';
import {
  addMember,
  BenefitInput,
  type ControlPlane,
  createBenefit,
  flaggedRedemptions,
  getBenefit,
  IssueRequest,
  issueCoupons,
  listBenefits,
  listSponsors,
  memberSponsor,
  RedeemInput,
  redeem,
  SettlementQuery,
  SponsorInput,
  saveSponsor,
  settlement,
} from '../campaigns/index.ts';
import type { User } from '../users/index.ts';
import { type Call, param, RouteBook } from './routebook.ts';

const writers = ['admin', 'marketer'] as const;

/** The sponsor a merchant user belongs to; a merchant without one may see nothing. */
async function merchantSponsor(plane: ControlPlane, user: User | null): Promise<string> {
  const sponsor = user ? await memberSponsor(plane.db, user.id) : null;
  if (!sponsor) throw new SmartBranchError('SB_ERR_FORBIDDEN', 'merchant of no sponsor');

  return sponsor;
}

/** Benefits centre: sponsors, the shared pool, coupons, redemption and settlement. */
export function benefitBook(plane: ControlPlane, now: () => number): RouteBook {
  const book = new RouteBook();
  const db = plane.db;
  const id = (call: Call<unknown, unknown>) => param(call, 'id', Id);
  const ownSponsor = async (call: Call<unknown, unknown>) =>
    call.user?.role === 'merchant' ? merchantSponsor(plane, call.user) : undefined;

  book.add({
    method: 'get',
    path: '/api/sponsors',
    summary: 'Sponsors: the bank, partner merchants, the platform',
    access: writers,
    handler: async () => ({ sponsors: await listSponsors(db) }),
  });
  book.add({
    method: 'put',
    path: '/api/sponsors/:id',
    summary: 'Create or rename a sponsor',
    access: writers,
    body: SponsorInput.omit({ id: true }),
    handler: async (call) => saveSponsor(db, { ...call.body, id: id(call) }),
  });
  book.add({
    method: 'post',
    path: '/api/sponsors/:id/members',
    summary: 'Make a merchant user a member of its sponsor',
    access: ['admin'],
    body: z.strictObject({ username: z.string().min(1).max(64) }),
    status: 204,
    handler: async (call) => {
      await addMember(db, id(call), call.body.username);
      call.response.status(204).end();
      return undefined;
    },
  });
  book.add({
    method: 'get',
    path: '/api/benefits',
    summary: 'Benefits of the pool; a merchant sees its own only',
    access: [...writers, 'merchant'],
    handler: async (call) => {
      const sponsor = await ownSponsor(call);
      return { benefits: await listBenefits(db, sponsor ? { sponsor } : {}) };
    },
  });
  book.add({
    method: 'post',
    path: '/api/benefits',
    summary: 'Add a benefit to the pool, its per-branch stock allotted to those branches',
    access: writers,
    body: BenefitInput,
    status: 201,
    handler: async ({ body }) => {
      const benefit = await createBenefit(db, body, now());
      await plane.publishAllotments(Object.keys(body.stock.perBranch));
      return benefit;
    },
  });
  book.add({
    method: 'get',
    path: '/api/benefits/:id',
    summary: 'One benefit with its stock and allotments',
    access: [...writers, 'merchant'],
    handler: async (call) => {
      const benefit = await getBenefit(db, id(call));
      const sponsor = await ownSponsor(call);
      if (sponsor && benefit.sponsor !== sponsor)
        throw new SmartBranchError('SB_ERR_NOT_FOUND', `benefit ${benefit.id}`, 'id');
      return benefit;
    },
  });
  book.add({
    method: 'post',
    path: '/api/benefits/:id/coupons',
    summary: 'Issue coupons with unique codes, within the per-customer limit',
    access: writers,
    body: IssueRequest,
    status: 201,
    handler: async (call) => ({
      codes: await issueCoupons(db, id(call), { ...call.body }, now()),
    }),
  });
  book.add({
    method: 'post',
    path: '/api/redemptions',
    summary: 'Redeem the coupons of one purchase; a resent redemption id redeems nothing twice',
    access: writers,
    body: RedeemInput,
    handler: async ({ body }) => redeem(db, { ...body, channel: 'api', at: now() }, now()),
  });
  book.add({
    method: 'post',
    path: '/api/merchant/redemptions',
    summary: "A partner merchant redeems its own benefits' coupons in its shop",
    access: ['merchant'],
    body: RedeemInput.omit({ branch: true }),
    handler: async (call) => {
      const sponsor = await merchantSponsor(plane, call.user);
      return redeem(db, { ...call.body, channel: 'merchant', sponsor, at: now() }, now());
    },
  });
  book.add({
    method: 'get',
    path: '/api/redemptions/review',
    summary: 'Offline redemptions whose conflict showed only at sync, flagged for review',
    access: writers,
    handler: async () => ({ redemptions: await flaggedRedemptions(db) }),
  });
  book.add({
    method: 'get',
    path: '/api/settlement',
    summary: 'Issued, redeemed and what each party owes, per sponsor and period',
    access: [...writers, 'merchant'],
    query: SettlementQuery,
    handler: async (call) => {
      const own = await ownSponsor(call);
      if (own && call.query.sponsor && call.query.sponsor !== own)
        throw new SmartBranchError('SB_ERR_FORBIDDEN', 'another sponsor', 'sponsor');
      return settlement(db, { ...call.query, sponsor: own ?? call.query.sponsor });
    },
  });
  return book;
}
