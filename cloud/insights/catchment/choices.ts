import { z } from 'zod';
import { branchPlaces } from '../branches.ts';
import type { InsightsConfig } from '../config.ts';
import type { InsightsDb } from '../schema.ts';
import { type CatchmentProfile, catchmentProfile, type Ring } from './profile.ts';

/**
 * A figure of a ring by name: `population`, `customers`, `penetration`, `income`,
 * `competitors`, `age.<group>` (people), `share.age.<group>` (0..1), `poi.<category>`.
 */
export function ringFigure(ring: Ring, figure: string): number {
  if (figure === 'population') return ring.population;
  if (figure === 'customers') return ring.customers;
  if (figure === 'penetration') return ring.penetration ?? 0;
  if (figure === 'income') return ring.income ?? 0;
  if (figure === 'competitors') return ring.competitors;
  if (figure.startsWith('poi.')) return ring.pois[figure.slice(4)] ?? 0;

  const group = figure.replace(/^(share\.)?age\./, '') as keyof Ring['ages'];
  const people = ring.ages[group] ?? 0;
  if (figure.startsWith('share.age.')) return ring.population > 0 ? people / ring.population : 0;
  if (figure.startsWith('age.')) return people;
  return 0;
}

const ringOf = (profile: CatchmentProfile, km: number) =>
  profile.rings.find((ring) => ring.km === km) ?? profile.rings[0];

export interface Reason {
  theme: string;
  figure: string;
  ringKm: number;
  value: number;
  atLeast: number;
  holds: boolean;
}

/**
 * The theme whose rule holds by the widest margin (value ÷ threshold), with every rule's
 * figure, threshold and verdict as the reasons; the default theme when none holds.
 */
export function recommendTheme(profile: CatchmentProfile, config: InsightsConfig) {
  const reasons: Reason[] = config.themes.map((rule) => {
    const ring = ringOf(profile, rule.ringKm);
    const value = ring ? ringFigure(ring, rule.figure) : 0;
    return { ...rule, value, holds: value >= rule.atLeast };
  });
  const margin = (reason: Reason) =>
    reason.atLeast > 0 ? reason.value / reason.atLeast : Infinity;
  const best = reasons.filter((reason) => reason.holds).sort((a, b) => margin(b) - margin(a))[0];
  return {
    branch: profile.branch,
    theme: best?.theme ?? config.defaultTheme,
    byDefault: !best,
    reasons,
  };
}

/** The configured segments whose figure this catchment reaches. */
export function segmentsOf(profile: CatchmentProfile, config: InsightsConfig) {
  return config.segments
    .map((segment) => {
      const ring = ringOf(profile, segment.ringKm);
      const value = ring ? ringFigure(ring, segment.figure) : 0;
      return { ...segment, value, holds: value >= segment.atLeast };
    })
    .filter((segment) => segment.holds);
}

/** Branches by catchment: each condition a figure of a ring within bounds, or a segment. */
export const CatchmentRule = z.strictObject({
  all: z
    .array(
      z.strictObject({
        figure: z.string().min(1).max(100),
        ringKm: z.union([z.literal(1), z.literal(3), z.literal(5)]),
        atLeast: z.number().optional(),
        atMost: z.number().optional(),
      }),
    )
    .max(20)
    .default([]),
  segments: z.array(z.string().min(1).max(100)).max(20).default([]),
});
export type CatchmentRule = z.input<typeof CatchmentRule>;

/**
 * The ids of the branches whose catchment meets every condition of the rule, in id order.
 * Branches without a location meet none. For campaign targeting.
 */
export async function selectBranchesByCatchment(
  db: InsightsDb,
  input: CatchmentRule,
  config: InsightsConfig,
): Promise<string[]> {
  const rule = CatchmentRule.parse(input);
  const chosen: string[] = [];
  for (const branch of await branchPlaces(db)) {
    if (branch.longitude === null || branch.latitude === null) continue;

    const profile = await catchmentProfile(db, branch.id);
    const segments = new Set(segmentsOf(profile, config).map((segment) => segment.id));
    const meets = rule.all.every((condition) => {
      const ring = ringOf(profile, condition.ringKm);
      const value = ring ? ringFigure(ring, condition.figure) : 0;
      return value >= (condition.atLeast ?? -Infinity) && value <= (condition.atMost ?? Infinity);
    });
    if (meets && rule.segments.every((segment) => segments.has(segment))) chosen.push(branch.id);
  }
  return chosen;
}
