import type { ProgrammeItem } from './model.ts';

export interface SharedCampaign {
  /** Fraction of the loop's time, 0 < share ≤ 1. */
  share: number;
  items: ProgrammeItem[];
}

/** How many times the base playlist may repeat in one loop to bring shares close. */
const maxBaseRounds = 6;

const total = (items: readonly ProgrammeItem[]) =>
  items.reduce((sum, item) => sum + item.durationMs, 0);

/**
 * One loop in which each shared campaign takes close to its share of the time, its plays
 * spread evenly among the base items. Shares adding up to 1 or more leave the base out.
 * The loop repeats all day, so the share holds across the day. Deterministic.
 */
export function blendShares(base: ProgrammeItem[], shared: SharedCampaign[]): ProgrammeItem[] {
  const campaigns = shared.filter((campaign) => campaign.items.length > 0);
  if (campaigns.length === 0) return base;

  const shareSum = campaigns.reduce((sum, campaign) => sum + campaign.share, 0);
  const withBase = base.length > 0 && shareSum < 1;
  const plan = withBase ? bestPlan(base, campaigns, shareSum) : onlyShared(campaigns, shareSum);
  return interleave(
    plan.baseRounds > 0 ? repeat(base, plan.baseRounds) : [],
    campaigns.map((campaign, index) => repeat(campaign.items, plan.plays[index] ?? 1)),
  );
}

interface Plan {
  baseRounds: number;
  plays: number[];
}

function bestPlan(base: ProgrammeItem[], campaigns: SharedCampaign[], shareSum: number): Plan {
  let best: { plan: Plan; error: number } | null = null;
  for (let rounds = 1; rounds <= maxBaseRounds; rounds++) {
    const loop = (total(base) * rounds) / (1 - shareSum);
    const plays = campaigns.map((campaign) =>
      Math.max(1, Math.round((campaign.share * loop) / total(campaign.items))),
    );
    const actual =
      total(base) * rounds +
      campaigns.reduce(
        (sum, campaign, index) => sum + total(campaign.items) * (plays[index] ?? 1),
        0,
      );
    const error = campaigns.reduce(
      (sum, campaign, index) =>
        sum + Math.abs((total(campaign.items) * (plays[index] ?? 1)) / actual - campaign.share),
      0,
    );
    if (!best || error < best.error - 1e-9) best = { plan: { baseRounds: rounds, plays }, error };
  }
  return best?.plan ?? { baseRounds: 1, plays: campaigns.map(() => 1) };
}

function onlyShared(campaigns: SharedCampaign[], shareSum: number): Plan {
  const shortest = Math.min(...campaigns.map((campaign) => total(campaign.items)));
  const plays = campaigns.map((campaign) =>
    Math.max(
      1,
      Math.round(
        ((campaign.share / shareSum) * shortest * campaigns.length) / total(campaign.items),
      ),
    ),
  );
  return { baseRounds: 0, plays };
}

function repeat(items: ProgrammeItem[], times: number): ProgrammeItem[] {
  return Array.from({ length: times }, () => items).flat();
}

/** Merges the lists by each element's relative position in its own list, base first on ties. */
function interleave(base: ProgrammeItem[], others: ProgrammeItem[][]): ProgrammeItem[] {
  const placed = [base, ...others].flatMap((list, listIndex) =>
    list.map((item, index) => ({ item, at: (index + 0.5) / list.length, listIndex })),
  );
  placed.sort((a, b) => a.at - b.at || a.listIndex - b.listIndex);
  return placed.map(({ item }) => item);
}
