import type { Figures } from '../figures.ts';
import type { CatchmentProfile } from './profile.ts';

/** Groups both sides can be put into: the branch's age bands and the census age groups. */
export const mixGroups = ['0-24', '25-44', '45-64', '65+'] as const;
type MixGroup = (typeof mixGroups)[number];

const branchBands = ['under 18', '18-24', '25-34', '35-44', '45-54', '55-64', '65+'];
const bandGroup: Record<string, MixGroup> = {
  'under 18': '0-24',
  '18-24': '0-24',
  '25-34': '25-44',
  '35-44': '25-44',
  '45-54': '45-64',
  '55-64': '45-64',
  '65+': '65+',
};
const censusGroup: Record<string, MixGroup> = {
  '0-14': '0-24',
  '15-24': '0-24',
  '25-44': '25-44',
  '45-64': '45-64',
  '65+': '65+',
};
// A group this much (share points) under its catchment share is one the branch does not reach.
const unreachedGap = 0.05;

function shares(counts: Record<MixGroup, number>) {
  const sum = Object.values(counts).reduce((total, count) => total + count, 0);
  return Object.fromEntries(
    mixGroups.map((group) => [group, sum > 0 ? counts[group] / sum : 0]),
  ) as Record<MixGroup, number>;
}

const empty = () =>
  Object.fromEntries(mixGroups.map((group) => [group, 0])) as Record<MixGroup, number>;

/** A k-anonymous merged range (`25-34..45-54`) is spread evenly over the bands it spans. */
function branchCounts(ages: Record<string, number>) {
  const counts = empty();
  for (const [band, people] of Object.entries(ages)) {
    const [from = '', to = from] = band.split('..');
    const start = branchBands.indexOf(from);
    const end = branchBands.indexOf(to);
    if (start < 0 || end < start) continue;

    const spanned = branchBands.slice(start, end + 1);
    for (const each of spanned) {
      const group = bandGroup[each];
      if (group) counts[group] += people / spanned.length;
    }
  }
  return counts;
}

/**
 * The age mix measured inside the branch against its 3 km catchment's: each group's share
 * on both sides and the gap; groups well under their catchment share are the unreached.
 */
export function customerMix(profile: CatchmentProfile, measured: Figures['demographics']) {
  const ring = profile.rings.find((entry) => entry.km === 3);
  const census = empty();
  for (const [group, people] of Object.entries(ring?.ages ?? {})) {
    const target = censusGroup[group];
    if (target) census[target] += people;
  }
  const inside = shares(branchCounts(measured.ages));
  const around = shares(census);
  const groups = mixGroups.map((group) => ({
    group,
    branchShare: inside[group],
    catchmentShare: around[group],
    gap: inside[group] - around[group],
  }));
  return {
    branch: profile.branch,
    measuredPeople: measured.people,
    groups,
    unreached: groups.filter((entry) => entry.gap <= -unreachedGap).map((entry) => entry.group),
  };
}
