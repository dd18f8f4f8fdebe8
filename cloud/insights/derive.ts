import type { QueueMinute, UplinkRecord } from '../../protocol/index.ts';

/** One additive figure of a branch: summed into its local hour, day and week. */
export interface Fact {
  metric: string;
  /** Zone, service, campaign, camera, age band... '' for the branch as a whole. */
  dimension: string;
  at: number;
  value: number;
}

type Emit = (metric: string, dimension: string, at: number, value: number) => void;
type Kind = UplinkRecord['kind'];
type DataOf<K extends Kind> = Extract<UplinkRecord, { kind: K }>['data'];
/** `at` is the record's own instant, for kinds whose data carries none. */
type Deriver<K extends Kind> = (data: DataOf<K>, emit: Emit, at: number) => void;

/** Starts the metrics of a queue counter, whose dimension is the counter's id. */
export const counterPrefix = 'counter.';

/** Starts a queue wait histogram's metrics, followed by the bucket's upper bound. */
export const waitHistogramMetric = 'wait-histogram:';

/**
 * A queue minute's figures for its service (prefix '') or its counter. Optional figures are
 * absent from older senders' records and then add nothing.
 */
function queueFacts(prefix: string, dimension: string, data: QueueMinute, emit: Emit) {
  const facts: Array<[string, number | undefined]> = [
    ['tickets.served', data.served],
    ['wait.seconds', data.waitSecondsTotal],
    ['wait.within-target', data.servedWithinTarget],
    ['no-shows', data.noShows],
    ['service.seconds', data.serviceSecondsTotal],
    // The tickets whose service time was counted: an older sender's records count none.
    ['service.timed', data.serviceSecondsTotal === undefined ? undefined : data.served],
    ['estimate.count', data.estimated],
    ['estimate.error-seconds', data.estimateErrorSecondsTotal],
  ];
  for (const [metric, value] of facts) {
    if (value !== undefined) emit(`${prefix}${metric}`, dimension, data.minute, value);
  }
  for (const [bucket, count] of Object.entries(data.waitHistogram ?? {})) {
    emit(`${prefix}${waitHistogramMetric}${bucket}`, dimension, data.minute, count ?? 0);
  }
}

/** Separates a flow's two zones in its dimension. */
export const flowSeparator = '\u2192';

/**
 * How each record kind becomes facts. A new kind is one entry here; a kind without an entry
 * is stored raw and derives nothing until it gets one (then `rebuildInsights` backfills).
 */
export const derivers: { [K in Kind]?: Deriver<K> } = {
  'audience.minute': (data, emit) => {
    emit('occupancy.person-minutes', data.camera, data.minute, data.peopleMean);
    emit('occupancy.minutes', data.camera, data.minute, 1);
  },
  'audience.line-minute': (data, emit) => {
    emit('entries', '', data.minute, data.entries);
    emit('exits', '', data.minute, data.exits);
  },
  'audience.zone-minute': (data, emit) => {
    const { zone, minute } = data;
    emit('zone.entries', zone, minute, data.entries);
    emit('zone.visits', zone, minute, data.visits);
    emit('zone.person-minutes', zone, minute, data.occupancyMean);
    emit('zone.minutes', zone, minute, 1);
    emit('zone.attention-seconds', zone, minute, data.attentionSeconds);
    for (const [bucket, count] of Object.entries(data.dwellSeconds)) {
      emit(`dwell-seconds:${bucket}`, zone, minute, count);
    }
    for (const [bucket, count] of Object.entries(data.dwellMinutes ?? {})) {
      emit(`dwell-minutes:${bucket}`, zone, minute, count);
    }
    if (data.zoneKind === 'service-point') emit('service-point.visits', zone, minute, data.visits);
    if (data.passersBy !== undefined) emit('passers-by', '', minute, data.passersBy);
    if (data.stops !== undefined) emit('stops', '', minute, data.stops);
  },
  'queue.minute': (data, emit) => {
    const { service, minute } = data;
    emit('tickets.issued', service, minute, data.issued);
    queueFacts('', service, data, emit);
    if (data.counter !== undefined) queueFacts(counterPrefix, data.counter, data, emit);
  },
  'screen.play-hour': (data, emit) => {
    const campaign = data.campaign ?? `item:${data.item}`;
    emit('plays', campaign, data.hour, data.plays);
    emit('impressions', campaign, data.hour, data.viewers);
    emit('attention-seconds', campaign, data.hour, data.attentionSeconds);
    emit('played-ms', campaign, data.hour, data.playedMs);
    for (const [band, viewers] of Object.entries(data.ages)) {
      emit(`impressions.age:${band}`, campaign, data.hour, viewers ?? 0);
    }
  },
  'audience.demographics-hour': (data, emit) => {
    emit('demographics.people', '', data.hour, data.people);
    for (const range of data.ages) {
      const band = range.from === range.to ? range.from : `${range.from}..${range.to}`;
      emit('demographics.age', band, data.hour, range.people);
    }
    emit('demographics.age', 'unknown', data.hour, data.agesUnknown + data.agesSuppressed);
    for (const [gender, people] of Object.entries(data.genders)) {
      emit('demographics.gender', gender, data.hour, people);
    }
  },
  'benefit.redemption': (data, emit) => {
    emit('benefit.redemptions', data.benefit, data.redeemedAt, 1);
    if (data.offline) emit('benefit.redemptions-offline', data.benefit, data.redeemedAt, 1);
  },
  // Sealed for the leads module: only that a lead was left, and when, is counted here.
  'lead.sealed': (_data, emit, at) => {
    emit('leads', '', at, 1);
  },
  'audience.flow-hour': (data, emit) => {
    for (const flow of data.flows) {
      emit('flow.moves', `${flow.from}${flowSeparator}${flow.to}`, data.hour, flow.moves);
    }
  },
};

/** The facts of some records, in the order they were given. */
export function deriveFacts(records: readonly UplinkRecord[]): Fact[] {
  const facts: Fact[] = [];
  const emit: Emit = (metric, dimension, at, value) => {
    if (value !== 0) facts.push({ metric, dimension, at, value });
  };
  for (const record of records) {
    const derive = derivers[record.kind] as Deriver<Kind> | undefined;
    derive?.(record.data as DataOf<Kind>, emit, record.at);
  }
  return facts;
}
