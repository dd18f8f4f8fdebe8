import { z } from 'zod';
import { Id } from './ids.ts';

/**
 * Scene management: what screens play, when and for whom. These schemas are shared by the
 * cloud's campaign manifests, the gateway's REST API and its bus channels, so a playlist means
 * the same thing wherever it is written.
 */
const Timestamp = z.number().int().nonnegative();
const Text = (max: number) => z.string().max(max);

/** Local wall time `HH:MM` in the branch's time zone; `24:00` ends a window at midnight. */
export const WallTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'must be HH:MM');

/** A calendar date `YYYY-MM-DD` in the branch's time zone. */
export const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD');

/**
 * A weekly window in local wall time. `to` at or before `from` crosses midnight and the
 * window belongs to the day it starts on: `days` names that day (0 Sunday … 6 Saturday).
 */
export const Daypart = z.strictObject({
  days: z.array(z.number().int().min(0).max(6)).min(1).max(7).optional(),
  from: WallTime,
  to: WallTime,
});

/** When a playlist may play: a date range (inclusive, local) and dayparts. Absent: always. */
export const ScheduleWindow = z.strictObject({
  startDate: LocalDate.optional(),
  endDate: LocalDate.optional(),
  dayparts: z.array(Daypart).min(1).max(32).optional(),
});

/** A spot that plays at fixed local times instead of in the loop: hourly at :MM or daily. */
export const Repeat = z.strictObject({
  every: z.enum(['hour', 'day']),
  minute: z.number().int().min(0).max(59),
  /** The local hour of a daily spot; ignored for hourly ones. Default 0. */
  hour: z.number().int().min(0).max(23).optional(),
});

export const AgeBand = z.enum([
  'under 18',
  '18-24',
  '25-34',
  '35-44',
  '45-54',
  '55-64',
  '65+',
  'unknown',
]);

/** One condition on a live aggregate; a rule holds while its condition does. */
export const RuleCondition = z.discriminatedUnion('metric', [
  /** People in a zone, from the zone's live audience. */
  z.strictObject({ metric: z.literal('zone.people'), zone: Id, above: z.number().nonnegative() }),
  /** Share (0..1) of a zone's viewers whose age band is `band` or older. */
  z.strictObject({
    metric: z.literal('zone.ageShare'),
    zone: Id,
    band: AgeBand,
    above: z.number().min(0).max(1),
  }),
  /** Tickets waiting, for one service or all. */
  z.strictObject({
    metric: z.literal('queue.waiting'),
    service: Id.optional(),
    above: z.number().nonnegative(),
  }),
  /** Expected wait of a ticket issued now for a service, in seconds. */
  z.strictObject({
    metric: z.literal('queue.waitSeconds'),
    service: Id,
    above: z.number().nonnegative(),
  }),
  /** A ticket of the VIP segment was issued within the last `withinSeconds`. */
  z.strictObject({
    metric: z.literal('queue.vipIssued'),
    withinSeconds: z.number().int().min(1).max(86_400),
  }),
]);

export const TargetRule = z.strictObject({
  /** Every condition must hold (`all`) or at least one (`any`). Default all. */
  match: z.enum(['all', 'any']).default('all'),
  conditions: z.array(RuleCondition).min(1).max(8),
  /**
   * Once on, a rule stays on at least this long, in seconds, so content does not flap when
   * a figure hovers at its threshold. Default 10.
   */
  minOnSeconds: z.number().int().min(0).max(3600).default(10),
});

/** Which screens a playlist is for. Absent or empty lists: every screen. */
export const ScreenTarget = z.strictObject({
  screens: z.array(Id).max(200).optional(),
  zones: z.array(Id).max(50).optional(),
  roles: z.array(z.enum(['signage', 'queue-board', 'kiosk', 'counter-tablet'])).optional(),
});

/** How a campaign shares the loop with the rest: a fraction of it, or a cap per hour. */
export const ShareOfVoice = z.strictObject({
  /** Fraction of the loop's time, 0 < share ≤ 1. */
  share: z.number().gt(0).max(1).optional(),
  maxPlaysPerHour: z.number().int().min(1).max(3600).optional(),
});

/** A screen's live state, retained on the bus for the technician UI and the uplink. */
export const ScreenStatus = z.strictObject({
  screen: Id,
  at: Timestamp,
  state: z.enum(['online', 'offline']),
  players: z.number().int().nonnegative(),
});

/** Register (or update) a screen over the bus. */
export const ScreenRegistration = z.strictObject({
  id: Id,
  name: Text(120).min(1),
  zone: Id,
  resolution: z.string().regex(/^\d{2,5}x\d{2,5}$/, 'must be WIDTHxHEIGHT'),
  orientation: z.enum(['landscape', 'portrait']),
  role: z.enum(['signage', 'queue-board', 'kiosk', 'counter-tablet']),
});

/** An announcement that interrupts everything on the chosen screens for a while. */
export const ScreenOverride = z.strictObject({
  id: Id,
  /** Screens it takes over; absent: every screen. */
  screens: z.array(Id).max(200).optional(),
  title: Text(200).min(1),
  text: Text(2000).optional(),
  /** Content to show instead of the text. */
  content: Id.optional(),
  minutes: z
    .number()
    .min(0.1)
    .max(24 * 60),
  /** True ends the override of that id early. Default false. */
  cancel: z.boolean().optional(),
});

/** Switch the branch's theme; every screen follows. */
export const ThemeSelection = z.strictObject({ theme: Id, at: Timestamp.optional() });

/** A zone's live audience from sensing: counts and histograms only, never a person. */
export const ZoneAudience = z.strictObject({
  zone: Id,
  at: Timestamp,
  people: z.number().int().nonnegative().max(1000),
  /** People facing a screen of the zone. Absent: not measured. */
  viewers: z.number().int().nonnegative().max(1000).optional(),
  /** Attention seconds since the previous message. */
  attentionSeconds: z.number().nonnegative().optional(),
  ages: z.partialRecord(AgeBand, z.number().int().nonnegative()).optional(),
});

/** Proof of play rolled up per screen, item and local hour; sums add across records. */
export const PlayHour = z.strictObject({
  screen: Id,
  item: Id,
  campaign: Id.optional(),
  /** Start of the local hour, epoch milliseconds. */
  hour: Timestamp,
  plays: z.number().int().nonnegative(),
  completed: z.number().int().nonnegative(),
  cut: z.number().int().nonnegative(),
  playedMs: z.number().int().nonnegative(),
  /** Viewers summed over the plays: the impressions. */
  viewers: z.number().int().nonnegative(),
  attentionSeconds: z.number().nonnegative(),
  /** Viewers per age band; a band under k viewers is counted in `suppressed`. */
  ages: z.partialRecord(AgeBand, z.number().int().nonnegative()),
  suppressed: z.number().int().nonnegative(),
});

export type Daypart = z.output<typeof Daypart>;
export type ScheduleWindow = z.output<typeof ScheduleWindow>;
export type Repeat = z.output<typeof Repeat>;
export type AgeBand = z.output<typeof AgeBand>;
export type RuleCondition = z.output<typeof RuleCondition>;
export type TargetRule = z.output<typeof TargetRule>;
export type ScreenTarget = z.output<typeof ScreenTarget>;
export type ShareOfVoice = z.output<typeof ShareOfVoice>;
export type ScreenStatus = z.output<typeof ScreenStatus>;
export type ScreenRegistration = z.output<typeof ScreenRegistration>;
export type ScreenOverride = z.output<typeof ScreenOverride>;
export type ThemeSelection = z.output<typeof ThemeSelection>;
export type ZoneAudience = z.output<typeof ZoneAudience>;
export type PlayHour = z.output<typeof PlayHour>;
