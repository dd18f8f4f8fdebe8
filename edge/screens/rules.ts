import type {
  AgeBand,
  AudienceCount,
  QueueEvent,
  QueueState,
  RuleCondition,
  TargetRule,
  ZoneAudience,
} from '../../protocol/index.ts';

/**
 * Live aggregates the rules read: zone audiences (from sensing), the queue's state and its
 * VIP issues. Only counts and histograms; no rule ever sees a person.
 */
export interface LiveFigures {
  zones: Map<string, ZoneAudience>;
  queue: QueueState | null;
  lastVipIssuedAt: number | null;
}

export function liveFigures(): LiveFigures {
  return { zones: new Map(), queue: null, lastVipIssuedAt: null };
}

/** A camera's people count stands for the zone named like the camera, until sensing sends zones. */
export function noteAudienceCount(figures: LiveFigures, count: AudienceCount) {
  const known = figures.zones.get(count.camera);
  if (known && known.at > count.at) return;

  figures.zones.set(count.camera, {
    ...known,
    zone: count.camera,
    at: count.at,
    people: count.people,
  });
}

export function noteQueueEvent(figures: LiveFigures, event: QueueEvent) {
  if (event.type === 'issued' && event.ticket.segment === 'vip') figures.lastVipIssuedAt = event.at;
}

const olderBands: Record<AgeBand, AgeBand[]> = {
  'under 18': ['under 18', '18-24', '25-34', '35-44', '45-54', '55-64', '65+'],
  '18-24': ['18-24', '25-34', '35-44', '45-54', '55-64', '65+'],
  '25-34': ['25-34', '35-44', '45-54', '55-64', '65+'],
  '35-44': ['35-44', '45-54', '55-64', '65+'],
  '45-54': ['45-54', '55-64', '65+'],
  '55-64': ['55-64', '65+'],
  '65+': ['65+'],
  unknown: ['unknown'],
};

/** A condition's figure now; null when nothing has been heard yet (the condition is off). */
export function figureOf(
  condition: RuleCondition,
  figures: LiveFigures,
  now: number,
): number | null {
  switch (condition.metric) {
    case 'zone.people':
      return figures.zones.get(condition.zone)?.people ?? null;
    case 'zone.ageShare':
      return ageShare(figures.zones.get(condition.zone), condition.band);
    case 'queue.waiting':
      return queueWaiting(figures.queue, condition.service);
    case 'queue.waitSeconds':
      return (
        figures.queue?.estimates?.find((entry) => entry.service === condition.service)
          ?.waitSeconds ?? null
      );
    case 'queue.vipIssued': {
      const at = figures.lastVipIssuedAt;
      return at !== null && now - at <= condition.withinSeconds * 1000 ? 1 : 0;
    }
  }
}

function ageShare(zone: ZoneAudience | undefined, band: AgeBand): number | null {
  if (!zone?.ages) return null;

  const counts = Object.entries(zone.ages) as [AgeBand, number][];
  const known = counts.filter(([name]) => name !== 'unknown').reduce((sum, [, n]) => sum + n, 0);
  if (known === 0) return 0;

  const older = counts.filter(([name]) => olderBands[band].includes(name));
  return older.reduce((sum, [, n]) => sum + n, 0) / known;
}

function queueWaiting(queue: QueueState | null, service: string | undefined): number | null {
  if (!queue) return null;

  const entries = service
    ? queue.waiting.filter((entry) => entry.service === service)
    : queue.waiting;
  return entries.reduce((sum, entry) => sum + entry.count, 0);
}

/**
 * How far below its threshold a figure must fall before a condition that holds lets go:
 * a count hovering at "more than 8" (9, 8, 9, 8…) keeps the content on.
 */
export function releaseBand(condition: RuleCondition): number {
  switch (condition.metric) {
    case 'zone.ageShare':
      return 0.1;
    case 'queue.waitSeconds':
      return Math.max(60, condition.above * 0.1);
    case 'queue.vipIssued':
      return 0.5;
    default:
      return Math.max(1, condition.above * 0.1);
  }
}

interface RuleMemory {
  conditions: boolean[];
  on: boolean;
  onSince: number;
}

/** Rule states with hysteresis, kept per playlist between evaluations. */
export interface RuleBook {
  holds(key: string, rule: TargetRule, figures: LiveFigures, now: number): boolean;
  forget(keep: Set<string>): void;
}

export function ruleBook(): RuleBook {
  const memory = new Map<string, RuleMemory>();

  return {
    holds(key, rule, figures, now) {
      const previous = memory.get(key) ?? { conditions: [], on: false, onSince: 0 };
      const conditions = rule.conditions.map((condition, index) =>
        conditionHolds(condition, figures, now, previous.conditions[index] ?? false),
      );
      const wanted = rule.match === 'any' ? conditions.some(Boolean) : conditions.every(Boolean);
      const heldLongEnough = now - previous.onSince >= rule.minOnSeconds * 1000;
      const on = wanted || (previous.on && !heldLongEnough);

      memory.set(key, { conditions, on, onSince: on && !previous.on ? now : previous.onSince });
      return on;
    },
    forget(keep) {
      for (const key of memory.keys()) if (!keep.has(key)) memory.delete(key);
    },
  };
}

function conditionHolds(
  condition: RuleCondition,
  figures: LiveFigures,
  now: number,
  held: boolean,
): boolean {
  const figure = figureOf(condition, figures, now);
  if (figure === null) return false;

  const threshold = condition.metric === 'queue.vipIssued' ? 0.5 : condition.above;
  return held ? figure > threshold - releaseBand(condition) : figure > threshold;
}
