import { z } from 'zod';
import {
  CouponCode,
  CouponRedemption,
  ManifestBenefit,
  ModulesRunning,
  RedemptionId,
} from './campaigns.ts';
import { Id } from './ids.ts';
import {
  AgeBand,
  PlayHour,
  Repeat,
  ScheduleWindow,
  ScreenTarget,
  ShareOfVoice,
  TargetRule,
} from './screens.ts';
import { WaitHistogram } from './wait-histogram.ts';

/** Epoch milliseconds, as the sender's injectable clock read them. */
export const Timestamp = z.number().int().nonnegative();

const Text = (max: number) => z.string().max(max);

export const ErrorBody = z.object({
  code: z.string().regex(/^SB_ERR_[A-Z_]+$/),
  message: Text(500),
  path: Text(200).optional(),
});

// Devices -------------------------------------------------------------------------------------

export const DeviceTelemetry = z.strictObject({
  device: Id,
  at: Timestamp,
  kind: z.enum([
    'door',
    'presence',
    'people-counter',
    'button',
    'climate',
    'printer',
    'relay',
    'led',
    'air-quality',
    'light',
  ]),
  values: z.record(Text(40), z.union([z.number().finite(), z.boolean(), Text(200)])),
});

export const DeviceStateName = z.enum(['online', 'degraded', 'offline']);

export const DeviceState = z.strictObject({
  device: Id,
  at: Timestamp,
  state: DeviceStateName,
  reason: Text(300).optional(),
});

// Audience ------------------------------------------------------------------------------------

export const CameraSource = z.enum(['footage', 'camera', 'synthetic']);

/** Where a figure came from: the model and backend that produced it, for honest reporting. */
export const Lineage = z.strictObject({
  model: Text(80),
  modelVersion: Text(40),
  backend: Text(20),
});

export const AudienceCount = z.strictObject({
  camera: Id,
  at: Timestamp,
  people: z.number().int().nonnegative().max(1000),
  source: CameraSource,
  confidence: z.number().min(0).max(1),
  lineage: Lineage,
});

// Queue ---------------------------------------------------------------------------------------

export const Segment = z.enum(['vip', 'elderly', 'disabled']);

export const IssueSource = z.enum(['kiosk', 'web', 'button', 'bus', 'technician', 'simulator']);

/** A request that wants an answer names the client to reply to and its own correlation id. */
const Request = {
  requestId: z.string().min(1).max(64),
  replyTo: Id.optional(),
};

export const QueueIssue = z.strictObject({
  ...Request,
  service: Id,
  segment: Segment.optional(),
  source: IssueSource,
  /** The check-in code of a booked appointment; its service then decides the ticket's. */
  appointment: z
    .string()
    .regex(/^[A-Za-z0-9-]{4,32}$/)
    .optional(),
});

export const QueueCounterCommand = z.strictObject({
  ...Request,
  /**
   * `call-next` and `end` drive service; `open`, `pause` and `close` set the counter's state;
   * `recall`, `no-show`, `cancel` and `transfer` act on the ticket the counter holds.
   */
  action: z.enum([
    'call-next',
    'end',
    'open',
    'pause',
    'close',
    'recall',
    'no-show',
    'cancel',
    'transfer',
  ]),
  /** The service a `transfer` sends the held ticket to. */
  service: Id.optional(),
});

/**
 * A coupon shown at a counter. The request id is the redemption id: a counter that sends
 * again after a lost answer gets the first decision, and nothing is redeemed twice. The
 * answer's data is the decision: `outcome`, `benefit`, `reason`, `offline`, `repeated`.
 */
export const CounterRedeem = z.strictObject({
  // At most 64: the answer's correlation id carries it.
  requestId: RedemptionId.max(64),
  replyTo: Id.optional(),
  code: CouponCode,
});

export const TicketStateName = z.enum(['waiting', 'called', 'served', 'cancelled', 'no-show']);

export const Ticket = z.strictObject({
  id: z.string().min(1).max(64),
  number: Text(16),
  service: Id,
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  segment: Segment.optional(),
  state: TicketStateName,
  issuedAt: Timestamp,
  calledAt: Timestamp.optional(),
  endedAt: Timestamp.optional(),
  counter: Id.optional(),
  /** How often the ticket was called again at its counter. Absent: never. */
  recalls: z.number().int().nonnegative().optional(),
  /** The service the ticket was issued for, when a transfer moved it to another. */
  transferredFrom: Id.optional(),
  /** The wait expected when it was issued, in seconds; absent when no open counter served it. */
  estimatedWaitSeconds: z.number().nonnegative().optional(),
  /** True for an appointment checked in within its slot: called before walk-ins of its class. */
  appointment: z.boolean().optional(),
});

export const QueueEvent = z.strictObject({
  /** `no-show-suspected`: the called ticket's counter zone stayed empty (camera counts only). */
  type: z.enum([
    'issued',
    'called',
    'served',
    'recalled',
    'no-show',
    'cancelled',
    'transferred',
    'no-show-suspected',
  ]),
  at: Timestamp,
  ticket: Ticket,
  /** For calls and recalls: the text a board shows and speaks, one per language, NFC. */
  announcement: z
    .array(z.strictObject({ lang: z.string().min(2).max(16), text: Text(500) }))
    .optional(),
});

export const QueueState = z.strictObject({
  at: Timestamp,
  day: z.string(),
  waiting: z.array(z.strictObject({ service: Id, count: z.number().int().nonnegative() })),
  nowServing: z.array(z.strictObject({ counter: Id, number: Text(16), service: Id })),
  issuedToday: z.number().int().nonnegative(),
  servedToday: z.number().int().nonnegative(),
  /** Each counter's state, for boards and the technician UI. */
  counters: z
    .array(z.strictObject({ counter: Id, state: z.enum(['open', 'paused', 'closed']) }))
    .optional(),
  /** Expected wait of a ticket issued now, per service, in seconds. */
  estimates: z
    .array(z.strictObject({ service: Id, waitSeconds: z.number().nonnegative() }))
    .optional(),
  /** People estimated to have left the waiting zone without being called, last 60 minutes. */
  walkAwaysLastHour: z.number().int().nonnegative().optional(),
});

export const Reply = z.strictObject({
  correlationId: z.string().min(1).max(64),
  status: z.enum(['ok', 'error']),
  data: z.unknown().optional(),
  error: ErrorBody.optional(),
});

// Uplink records: what may leave the gateway, each kind with its own schema -----------------

export const Stream = z.enum(['audience', 'queue', 'plays', 'redemptions', 'leads']);

export const AudienceMinute = z.strictObject({
  camera: Id,
  minute: Timestamp,
  frames: z.number().int().nonnegative(),
  peopleMean: z.number().nonnegative(),
  peopleMax: z.number().int().nonnegative(),
  source: CameraSource,
  lineage: Lineage,
});

/**
 * One service's queue figures over one clock minute, split by counter: the tickets issued
 * travel in a record without a counter (a ticket has none until it is called), the tickets
 * a counter ended in that counter's record. Every figure adds up over records, so a
 * service's or a counter's figures for any period are sums; the mean wait is
 * `waitSecondsTotal / served` and its p90 comes from the summed `waitHistogram`.
 * Records of older senders carry no counter and no histogram.
 */
export const QueueMinute = z.strictObject({
  minute: Timestamp,
  service: Id,
  /** The counter that ended the record's tickets. Absent: issued tickets, or an older sender. */
  counter: Id.optional(),
  issued: z.number().int().nonnegative(),
  served: z.number().int().nonnegative(),
  waitSecondsTotal: z.number().nonnegative(),
  waitSecondsMax: z.number().nonnegative(),
  /** Tickets given up as no-shows in the minute. Absent: not counted by this sender. */
  noShows: z.number().int().nonnegative().optional(),
  /** Seconds from call to end, summed over the tickets served in the minute. */
  serviceSecondsTotal: z.number().nonnegative().optional(),
  /** Tickets served in the minute whose wait was within their service's target. */
  servedWithinTarget: z.number().int().nonnegative().optional(),
  /** Served tickets of the minute that had an estimate, and their summed absolute error. */
  estimated: z.number().int().nonnegative().optional(),
  estimateErrorSecondsTotal: z.number().nonnegative().optional(),
  /** The waits of the tickets served in the minute, by bucket (see `waitBucketBoundsSeconds`). */
  waitHistogram: WaitHistogram.optional(),
});

// Audience aggregates per zone, line and hour: counts and histograms, never a person --------

const Count = z.number().int().nonnegative();

/** Dwell in the buckets the audience-measurement trade uses in front of screens, in seconds. */
export const DwellSeconds = z.strictObject({
  '0-5': Count,
  '5-15': Count,
  '15-30': Count,
  '30-60': Count,
  '60+': Count,
});

/** Dwell in waiting and service-point zones, in minutes. */
export const DwellMinutes = z.strictObject({
  '0-2': Count,
  '2-5': Count,
  '5-10': Count,
  '10-20': Count,
  '20+': Count,
});

export const ZoneKindName = z.enum(['service-point', 'waiting', 'passing']);

/** One zone of one camera over one clock minute. */
export const AudienceZoneMinute = z.strictObject({
  camera: Id,
  zone: Id,
  zoneKind: ZoneKindName,
  minute: Timestamp,
  frames: Count,
  /** People who came into the zone in the minute, and people who left it. */
  entries: Count,
  exits: Count,
  occupancyMean: z.number().nonnegative(),
  occupancyMax: Count,
  /** Visits that ended in the minute; the dwell histograms count the same visits. */
  visits: Count,
  dwellSeconds: DwellSeconds,
  /** Waiting and service-point zones only. */
  dwellMinutes: DwellMinutes.optional(),
  /** Seconds of frontal faces in the zone, summed over people: a screen's attention. */
  attentionSeconds: z.number().nonnegative(),
  /** Passing zones only: people who walked through in the minute, and those who stopped. */
  passersBy: Count.optional(),
  stops: Count.optional(),
  source: CameraSource,
  confidence: z.number().min(0).max(1),
  lineage: Lineage,
});

/** One counting line of one camera over one clock minute. */
export const AudienceLineMinute = z.strictObject({
  camera: Id,
  line: Id,
  minute: Timestamp,
  /** Crossings from the line's left to its right (`in`) and back (`out`). */
  entries: Count,
  exits: Count,
  source: CameraSource,
  confidence: z.number().min(0).max(1),
  lineage: Lineage,
});

export const KnownAgeBand = AgeBand.exclude(['unknown']);

/** Adjacent age bands counted together because one of them alone held fewer than k people. */
export const AgeRange = z.strictObject({ from: KnownAgeBand, to: KnownAgeBand, people: Count });

/**
 * The people whose visit to a zone ended in one clock hour, by age band and gender, with
 * k-anonymity: a bucket of fewer than `k` people is merged into its neighbour band and, still
 * under k, counted only in the `suppressed` figures.
 */
export const AudienceDemographicsHour = z.strictObject({
  camera: Id,
  zone: Id,
  hour: Timestamp,
  people: Count,
  k: z.number().int().min(2).max(100),
  ages: z.array(AgeRange).max(7),
  agesUnknown: Count,
  agesSuppressed: Count,
  genders: z.strictObject({ male: Count, female: Count, unknown: Count }),
  gendersSuppressed: Count,
  source: CameraSource,
  /** Mean confidence of the verdicts counted, 0..1. */
  confidence: z.number().min(0).max(1),
  lineage: Lineage,
});

/** Moves from zone to zone of one camera in one clock hour: counts only, no one's path. */
export const AudienceFlowHour = z.strictObject({
  camera: Id,
  hour: Timestamp,
  flows: z
    .array(z.strictObject({ from: Id, to: Id, moves: z.number().int().positive() }))
    .max(4096),
  source: CameraSource,
  confidence: z.number().min(0).max(1),
  lineage: Lineage,
});

/**
 * A lead left at the kiosk: its fields sealed in the page to the cloud's public key
 * (a libsodium sealed box), so the gateway holds and forwards ciphertext only.
 */
export const SealedLead = z.strictObject({
  /** base64 of the sealed box; 48 bytes of overhead plus at most a few kilobytes of fields. */
  sealed: z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/)
    .min(64)
    .max(8192),
});

export const UplinkRecord = z.discriminatedUnion('kind', [
  z.strictObject({
    seq: z.number().int().positive(),
    at: Timestamp,
    kind: z.literal('audience.minute'),
    data: AudienceMinute,
  }),
  z.strictObject({
    seq: z.number().int().positive(),
    at: Timestamp,
    kind: z.literal('queue.minute'),
    data: QueueMinute,
  }),
  z.strictObject({
    seq: z.number().int().positive(),
    at: Timestamp,
    kind: z.literal('screen.play-hour'),
    data: PlayHour,
  }),
  z.strictObject({
    seq: z.number().int().positive(),
    at: Timestamp,
    kind: z.literal('audience.zone-minute'),
    data: AudienceZoneMinute,
  }),
  z.strictObject({
    seq: z.number().int().positive(),
    at: Timestamp,
    kind: z.literal('audience.line-minute'),
    data: AudienceLineMinute,
  }),
  z.strictObject({
    seq: z.number().int().positive(),
    at: Timestamp,
    kind: z.literal('audience.demographics-hour'),
    data: AudienceDemographicsHour,
  }),
  z.strictObject({
    seq: z.number().int().positive(),
    at: Timestamp,
    kind: z.literal('audience.flow-hour'),
    data: AudienceFlowHour,
  }),
  z.strictObject({
    seq: z.number().int().positive(),
    at: Timestamp,
    kind: z.literal('benefit.redemption'),
    data: CouponRedemption,
  }),
  z.strictObject({
    seq: z.number().int().positive(),
    at: Timestamp,
    kind: z.literal('lead.sealed'),
    data: SealedLead,
  }),
]);

/** Which stream each record kind travels in. */
export const streamOfKind = {
  'audience.minute': 'audience',
  'queue.minute': 'queue',
  'screen.play-hour': 'plays',
  'audience.zone-minute': 'audience',
  'audience.line-minute': 'audience',
  'audience.demographics-hour': 'audience',
  'audience.flow-hour': 'audience',
  'benefit.redemption': 'redemptions',
  'lead.sealed': 'leads',
} as const satisfies Record<z.infer<typeof UplinkRecord>['kind'], z.infer<typeof Stream>>;

/**
 * The cloud asks for the records of one stream after its cursor. `after` is also the cloud's
 * confirmation: everything up to it is stored in the cloud and the gateway may let it go.
 */
export const PullRequest = z.strictObject({
  pullId: z.string().min(1).max(64),
  stream: Stream,
  after: z.number().int().nonnegative(),
  limit: z.number().int().min(1).max(5000),
  at: Timestamp,
  /** The gateway asked, where a branch has more than one; a gateway answers only its own. */
  gateway: Id.optional(),
});

export const PullResponse = z.strictObject({
  pullId: z.string().min(1).max(64),
  gateway: Id,
  stream: Stream,
  after: z.number().int().nonnegative(),
  records: z.array(UplinkRecord).max(5000),
  lastSeq: z.number().int().nonnegative(),
  at: Timestamp,
});

// Live status and alarms: pushed by the gateway, never queued behind records ---------------

export const UplinkState = z.enum(['connecting', 'online', 'offline']);

export const LiveStatus = z.strictObject({
  gateway: Id,
  at: Timestamp,
  version: Text(40),
  people: z.number().int().nonnegative(),
  cameraSource: CameraSource.nullable(),
  ticketsWaiting: z.number().int().nonnegative(),
  ticketsServedToday: z.number().int().nonnegative(),
  /** Records waiting per stream; a stream added later may be absent from older senders. */
  backlog: z.partialRecord(Stream, z.number().int().nonnegative()),
  devicesOnline: z.number().int().nonnegative(),
  devicesTotal: z.number().int().nonnegative(),
  /** Each camera's state, so HQ sees which one fails and why; absent from older senders. */
  cameras: z
    .array(z.strictObject({ id: Id, state: DeviceStateName, reason: Text(300).optional() }))
    .max(64)
    .optional(),
  /** Screens whose player is connected now; absent from senders older than the field. */
  screensOnline: z.number().int().nonnegative().optional(),
  /** The modules running now and the settings version they follow. */
  modules: ModulesRunning.optional(),
});

export const Alarm = z.strictObject({
  gateway: Id,
  at: Timestamp,
  code: Text(60),
  severity: z.enum(['warning', 'critical']),
  message: Text(300),
  device: Id.optional(),
});

// Campaigns (down): the signed manifest, retained per branch --------------------------------

export const ManifestItem = z.strictObject({
  id: Id,
  type: z.enum(['image', 'video', 'web', 'template']),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  durationMs: z.number().int().positive().optional(),
  /** Scene management (optional): a label, a web page's address, a template and its fields. */
  name: Text(200).optional(),
  url: z.string().url().max(2000).optional(),
  template: Text(20_000).optional(),
  fields: z.record(Text(60), Text(2000)).optional(),
  /** Plays at fixed local times instead of in the loop. */
  repeat: Repeat.optional(),
});

export const CampaignManifest = z.strictObject({
  branch: Id,
  version: z.number().int().positive(),
  issuedAt: Timestamp,
  campaigns: z.array(
    z.strictObject({
      id: Id,
      name: Text(200),
      priority: z.number().int(),
      items: z.array(ManifestItem),
      /** Scene management (optional): when, where, for whom and how often it plays. */
      schedule: ScheduleWindow.optional(),
      target: ScreenTarget.optional(),
      rule: TargetRule.optional(),
      shareOfVoice: ShareOfVoice.optional(),
      /** Benefits the campaign's templates may show (a coupon QR, a voucher's value). */
      benefits: z.array(ManifestBenefit).max(50).optional(),
    }),
  ),
  keyId: Text(64),
  signature: z.string().regex(/^[A-Za-z0-9+/=]+$/),
});

// Enrolment over HTTPS: a one-time token for the gateway's own credentials ------------------

export const EnrolRequest = z.strictObject({
  token: z.string().min(16).max(200),
  gateway: Id,
  version: Text(40),
});

export const EnrolResponse = z.strictObject({
  gateway: Id,
  branch: Id,
  broker: z.strictObject({ url: z.string().url(), username: z.string(), password: z.string() }),
  manifestPublicKey: z.string(),
});

// Types inferred from the schemas above, under the same names, never written twice.
export type DeviceTelemetry = z.output<typeof DeviceTelemetry>;
export type DeviceState = z.output<typeof DeviceState>;
export type AudienceCount = z.output<typeof AudienceCount>;
export type QueueIssue = z.output<typeof QueueIssue>;
export type QueueCounterCommand = z.output<typeof QueueCounterCommand>;
export type CounterRedeem = z.output<typeof CounterRedeem>;
export type Ticket = z.output<typeof Ticket>;
export type QueueEvent = z.output<typeof QueueEvent>;
export type QueueState = z.output<typeof QueueState>;
export type Reply = z.output<typeof Reply>;
export type UplinkRecord = z.output<typeof UplinkRecord>;
export type StreamName = z.output<typeof Stream>;
export type Stream = StreamName;
export type AudienceMinute = z.output<typeof AudienceMinute>;
export type SealedLead = z.output<typeof SealedLead>;
export type QueueMinute = z.output<typeof QueueMinute>;
export type AudienceZoneMinute = z.output<typeof AudienceZoneMinute>;
export type AudienceLineMinute = z.output<typeof AudienceLineMinute>;
export type AudienceDemographicsHour = z.output<typeof AudienceDemographicsHour>;
export type AudienceFlowHour = z.output<typeof AudienceFlowHour>;
export type DwellSeconds = z.output<typeof DwellSeconds>;
export type DwellMinutes = z.output<typeof DwellMinutes>;
export type ZoneKindName = z.output<typeof ZoneKindName>;
export type KnownAgeBand = z.output<typeof KnownAgeBand>;
export type AgeRange = z.output<typeof AgeRange>;
export type PullRequest = z.output<typeof PullRequest>;
export type PullResponse = z.output<typeof PullResponse>;
export type LiveStatus = z.output<typeof LiveStatus>;
export type Alarm = z.output<typeof Alarm>;
export type CampaignManifest = z.output<typeof CampaignManifest>;
export type EnrolRequest = z.output<typeof EnrolRequest>;
export type EnrolResponse = z.output<typeof EnrolResponse>;
export type Lineage = z.output<typeof Lineage>;
export type CameraSourceName = z.output<typeof CameraSource>;
export type CameraSource = CameraSourceName;
