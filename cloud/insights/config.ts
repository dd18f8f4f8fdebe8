import { z } from 'zod';

const Share = z.number().min(0).max(1);

/** One rule of the theme recommendation: a catchment figure against its threshold. */
export const ThemeRule = z.strictObject({
  theme: z.string().min(1).max(100),
  /** A profile figure: `poi.<category>`, `share.age.<group>`, `population`, `income`... */
  figure: z.string().min(1).max(100),
  ringKm: z.union([z.literal(1), z.literal(3), z.literal(5)]),
  atLeast: z.number().nonnegative(),
});

/** A segment campaigns can target: branches whose catchment figure reaches a threshold. */
export const SegmentRule = z.strictObject({
  id: z.string().min(1).max(100),
  figure: z.string().min(1).max(100),
  ringKm: z.union([z.literal(1), z.literal(3), z.literal(5)]),
  atLeast: z.number().nonnegative(),
});

/**
 * Insights settings. Every default is stated; shares are 0..1.
 */
export const InsightsConfig = z.strictObject({
  anomalies: z
    .strictObject({
      /** Flag below this share of the baseline. Default 0.7. */
      share: Share.default(0.7),
      /** Same weekday and hour over this many previous weeks. Default 4. */
      weeks: z.number().int().min(1).max(12).default(4),
      /** Baselines below this are too small to judge. Default 5. */
      minBaseline: z.number().nonnegative().default(5),
    })
    .prefault({}),
  /** How often a live view checks for new aggregates, in ms. Default 2000. */
  livePollMs: z.number().int().positive().default(2000),
  themes: z.array(ThemeRule).default([
    { theme: 'shopping-mall', figure: 'poi.mall', ringKm: 1, atLeast: 1 },
    { theme: 'car-life', figure: 'poi.car-dealer', ringKm: 3, atLeast: 3 },
    { theme: 'health', figure: 'poi.hospital', ringKm: 3, atLeast: 2 },
    { theme: 'health', figure: 'share.age.65+', ringKm: 3, atLeast: 0.22 },
    { theme: 'home', figure: 'poi.residential', ringKm: 1, atLeast: 3 },
    { theme: 'community', figure: 'share.age.0-14', ringKm: 3, atLeast: 0.18 },
    { theme: 'special-offer-life', figure: 'competitors', ringKm: 1, atLeast: 3 },
  ]),
  /** Theme when no rule holds. Default `community`. */
  defaultTheme: z.string().min(1).max(100).default('community'),
  segments: z.array(SegmentRule).default([
    { id: 'families-3km', figure: 'age.0-14', ringKm: 3, atLeast: 5000 },
    { id: 'seniors-3km', figure: 'age.65+', ringKm: 3, atLeast: 5000 },
    { id: 'office-workers-1km', figure: 'poi.office', ringKm: 1, atLeast: 5 },
    { id: 'affluent-3km', figure: 'income', ringKm: 3, atLeast: 120000 },
    { id: 'car-owners-3km', figure: 'poi.car-dealer', ringKm: 3, atLeast: 2 },
  ]),
});
export type InsightsConfig = z.output<typeof InsightsConfig>;
export type InsightsConfigInput = z.input<typeof InsightsConfig>;
