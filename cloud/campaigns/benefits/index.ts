export { publishAllotment } from './allotments.ts';
export {
  type BenefitBody,
  BenefitInput,
  IssueRequest,
  RedeemInput,
  SettlementQuery,
  SponsorInput,
} from './model.ts';
export { type Channel, type Redeemed, type Redemption, redeem } from './redeem.ts';
export { settlement } from './settlement.ts';
export {
  addMember,
  type Benefit,
  codeKey,
  createBenefit,
  getBenefit,
  issueCoupons,
  listBenefits,
  listSponsors,
  memberSponsor,
  saveSponsor,
} from './store.ts';
export { flaggedRedemptions, type SyncFigures, syncRedemptions } from './sync.ts';
