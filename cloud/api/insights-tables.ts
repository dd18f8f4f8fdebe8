import type { CatchmentProfile, Figures } from '../insights/index.ts';

/** The tables the HQ UI shows, as flat rows: the same rows its CSV export carries. */
export const figureTables = {
  kpis: (figures: Figures) => [
    { figure: 'passersBy', value: figures.passersBy },
    { figure: 'entries', value: figures.entries },
    { figure: 'occupancyMean', value: figures.occupancyMean },
    { figure: 'ticketsIssued', value: figures.queue.issued },
    { figure: 'ticketsServed', value: figures.queue.served },
    { figure: 'ticketNoShows', value: figures.queue.noShows },
    { figure: 'waitSecondsMean', value: figures.queue.waitSecondsMean },
    { figure: 'waitSecondsP90', value: figures.queue.waitSecondsP90 },
    { figure: 'serviceSecondsMean', value: figures.queue.serviceSecondsMean },
    { figure: 'withinTargetShare', value: figures.queue.withinTargetShare },
    { figure: 'estimateErrorSecondsMean', value: figures.queue.estimateErrorSecondsMean },
    { figure: 'couponsIssued', value: figures.coupons.issued },
    { figure: 'couponsRedeemed', value: figures.coupons.redeemed },
  ],
  'queue-services': (figures: Figures) => figures.queue.services,
  'queue-counters': (figures: Figures) => figures.queue.counters,
  dwell: (figures: Figures) => [
    ...Object.entries(figures.dwellSeconds).map(([bucket, visits]) => ({
      unit: 's',
      bucket,
      visits,
    })),
    ...Object.entries(figures.dwellMinutes).map(([bucket, visits]) => ({
      unit: 'min',
      bucket,
      visits,
    })),
  ],
  'service-points': (figures: Figures) =>
    Object.entries(figures.servicePointVisits).map(([zone, visits]) => ({ zone, visits })),
  campaigns: (figures: Figures) =>
    figures.campaigns.map(({ key, ...rest }) => ({ campaign: key, ...rest })),
  demographics: (figures: Figures) => [
    ...Object.entries(figures.demographics.ages).map(([group, people]) => ({
      kind: 'age',
      group,
      people,
    })),
    ...Object.entries(figures.demographics.genders).map(([group, people]) => ({
      kind: 'gender',
      group,
      people,
    })),
  ],
} as const;
export type FigureTable = keyof typeof figureTables;

export function ringRows(profile: CatchmentProfile) {
  return profile.rings.map((ring) => ({
    km: ring.km,
    population: Math.round(ring.population),
    ...Object.fromEntries(
      Object.entries(ring.ages).map(([group, people]) => [`age ${group}`, Math.round(people)]),
    ),
    income: ring.income === null ? null : Math.round(ring.income),
    customers: Math.round(ring.customers),
    penetration: ring.penetration,
    competitors: ring.competitors,
    ...Object.fromEntries(
      Object.entries(ring.pois).map(([category, count]) => [`poi ${category}`, count]),
    ),
  }));
}
