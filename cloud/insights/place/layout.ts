import { branchPlace } from '../branches.ts';
import { flowSeparator } from '../derive.ts';
import { figuresOf } from '../figures.ts';
import type { InsightsDb } from '../schema.ts';
import { dailyTotals, ratio, total } from '../totals.ts';
import { planZones } from './site.ts';

interface Range {
  from: string;
  to: string;
}

/**
 * Occupancy and dwell per zone and local hour of the day over a period: the heat map on
 * the plan. Occupancy is the mean of people in the zone; dwell is person-seconds per m².
 */
export async function heatMap(db: InsightsDb, branch: string, range: Range) {
  const zones = await planZones(db, branch);
  const rows = await db
    .selectFrom('insights_hourly')
    .select(['metric', 'dimension', 'hour', (eb) => eb.fn.sum<number>('value').as('value')])
    .where('branch', '=', branch)
    .where('metric', 'in', ['zone.person-minutes', 'zone.minutes'])
    .where('day', '>=', range.from)
    .where('day', '<=', range.to)
    .groupBy(['metric', 'dimension', 'hour'])
    .execute();
  const value = (metric: string, zone: string, hour: number) =>
    Number(
      rows.find((row) => row.metric === metric && row.dimension === zone && row.hour === hour)
        ?.value ?? 0,
    );

  return zones.map((zone) => ({
    ...zone,
    hours: Array.from({ length: 24 }, (_, hour) => {
      const personMinutes = value('zone.person-minutes', zone.zone, hour);
      const minutes = value('zone.minutes', zone.zone, hour);
      return {
        hour,
        occupancy: minutes > 0 ? personMinutes / minutes : 0,
        dwellSecondsPerM2: zone.areaM2 > 0 ? (personMinutes * 60) / zone.areaM2 : 0,
      };
    }),
  }));
}

/**
 * Zone-to-zone moves over a period as a Sankey diagram's nodes and links. A move back
 * (b→a after a→b) would make a cycle, which a Sankey cannot draw, so sources and targets
 * are separate nodes: `a ›` on the left, `› b` on the right.
 */
export async function flows(db: InsightsDb, branch: string, range: Range) {
  const totals = await dailyTotals(db, [branch], range.from, range.to);
  const links = [...(totals.get('flow.moves') ?? new Map<string, number>())]
    .map(([pair, moves]) => {
      const [from = '', to = ''] = pair.split(flowSeparator);
      return { from, to, source: `${from} ›`, target: `› ${to}`, value: moves };
    })
    .sort((a, b) => b.value - a.value);
  const names = new Set(links.flatMap((link) => [link.source, link.target]));
  return { nodes: [...names].map((name) => ({ name })), links };
}

/** The figures branch designers use per square metre of floor, over a period. */
export async function perSquareMetre(db: InsightsDb, branch: string, range: Range) {
  const place = await branchPlace(db, branch);
  const totals = await dailyTotals(db, [branch], range.from, range.to);
  const hours = await db
    .selectFrom('insights_hourly')
    .select((eb) => eb.fn.count<number>('hour_at').distinct().as('hours'))
    .where('branch', '=', branch)
    .where('metric', '=', 'entries')
    .where('day', '>=', range.from)
    .where('day', '<=', range.to)
    .executeTakeFirst();
  const area = place.areaM2 ?? 0;
  const entries = total(totals, 'entries');
  const personSeconds = total(totals, 'zone.person-minutes') * 60;
  const openHours = Number(hours?.hours ?? 0);
  return {
    areaM2: place.areaM2,
    openHours,
    visitorsPerM2PerHour: area > 0 && openHours > 0 ? entries / area / openHours : null,
    dwellSecondsPerM2: ratio(personSeconds, area),
    ticketsServedPerM2: ratio(total(totals, 'tickets.served'), area),
  };
}

function change(before: number | null, after: number | null) {
  if (before === null || after === null) return { before, after, change: null, changeShare: null };
  return { before, after, change: after - before, changeShare: ratio(after - before, before) };
}

/** Two periods side by side, to judge a layout or service-flow change. */
export async function beforeAfter(db: InsightsDb, branch: string, before: Range, after: Range) {
  const figures = async (range: Range) => ({
    ...figuresOf(await dailyTotals(db, [branch], range.from, range.to)),
    ...(await perSquareMetre(db, branch, range)),
  });
  const [first, second] = [await figures(before), await figures(after)];
  return {
    branch,
    before,
    after,
    figures: {
      entries: change(first.entries, second.entries),
      passersBy: change(first.passersBy, second.passersBy),
      occupancyMean: change(first.occupancyMean, second.occupancyMean),
      waitSecondsMean: change(first.queue.waitSecondsMean, second.queue.waitSecondsMean),
      withinTargetShare: change(first.queue.withinTargetShare, second.queue.withinTargetShare),
      ticketsServed: change(first.queue.served, second.queue.served),
      visitorsPerM2PerHour: change(first.visitorsPerM2PerHour, second.visitorsPerM2PerHour),
      dwellSecondsPerM2: change(first.dwellSecondsPerM2, second.dwellSecondsPerM2),
      ticketsServedPerM2: change(first.ticketsServedPerM2, second.ticketsServedPerM2),
    },
  };
}
