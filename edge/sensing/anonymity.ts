import { type AgeRange, KnownAgeBand } from '../../protocol/index.ts';
import type { Demographics } from './faces.ts';

/** Fewest people a demographic bucket may hold before it leaves the gateway. */
export const defaultK = 5;

// Youngest first, as the protocol lists them.
const bands: readonly KnownAgeBand[] = KnownAgeBand.options;

interface Range {
  from: number;
  to: number;
  people: number;
}

/**
 * Age bands with k-anonymity: a band holding fewer than k people is merged into its smaller
 * neighbour, again and again, until every range holds k or more; a last range still under k
 * (fewer than k people in all) is suppressed. Merging rather than dropping one small band
 * means no band can be worked out from the total minus the others.
 */
export function anonymousAges(
  counts: Partial<Record<KnownAgeBand, number>>,
  k: number,
): { ages: AgeRange[]; suppressed: number } {
  const ranges: Range[] = bands
    .map((band, index) => ({ from: index, to: index, people: counts[band] ?? 0 }))
    .filter((range) => range.people > 0);

  for (
    let small = smallestUnder(ranges, k);
    small >= 0 && ranges.length > 1;
    small = smallestUnder(ranges, k)
  ) {
    mergeWithNeighbour(ranges, small);
  }

  const kept = ranges.filter((range) => range.people >= k);
  const suppressed = ranges.reduce((sum, range) => sum + (range.people < k ? range.people : 0), 0);
  const ages = kept.map((range) => ({
    from: bands[range.from] as KnownAgeBand,
    to: bands[range.to] as KnownAgeBand,
    people: range.people,
  }));
  return { ages, suppressed };
}

function smallestUnder(ranges: readonly Range[], k: number): number {
  let index = -1;
  ranges.forEach((range, at) => {
    if (range.people < k && (index < 0 || range.people < (ranges[index] as Range).people)) {
      index = at;
    }
  });
  return index;
}

function mergeWithNeighbour(ranges: Range[], index: number) {
  const before = ranges[index - 1];
  const after = ranges[index + 1];
  const intoBefore = before !== undefined && (after === undefined || before.people <= after.people);
  const at = intoBefore ? index - 1 : index;
  const first = ranges[at] as Range;
  const second = ranges[at + 1] as Range;
  ranges.splice(at, 2, { from: first.from, to: second.to, people: first.people + second.people });
}

/**
 * Genders with k-anonymity. Male and female are suppressed together when either holds fewer
 * than k people, so the one left cannot be subtracted from the total; `unknown` is the absence
 * of an estimate, which says nothing about anyone, and is always shown.
 */
export function anonymousGenders(verdicts: readonly Demographics[], k: number) {
  const count = (gender: string) => verdicts.filter((one) => one.gender === gender).length;
  const male = count('male');
  const female = count('female');
  const unknown = verdicts.length - male - female;
  const small = (male > 0 && male < k) || (female > 0 && female < k);
  if (!small) return { genders: { male, female, unknown }, suppressed: 0 };

  return { genders: { male: 0, female: 0, unknown }, suppressed: male + female };
}
