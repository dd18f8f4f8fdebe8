import type {
  AudienceZoneMinute,
  CameraSourceName,
  DwellMinutes,
  DwellSeconds,
  Lineage,
  UplinkRecord,
} from '../../protocol/index.ts';
import type { Visit, ZoneEvents } from './events.ts';
import { type HourAggregator, hourAggregator } from './hours.ts';
import type { FrameOutcome } from './pipeline.ts';
import type { CountingLine, Zone, ZoneFile } from './zones.ts';

/** A record for the outbox, before the outbox numbers it. */
export type AudienceRecord = Omit<UplinkRecord, 'seq'>;

const minuteMs = 60_000;

export interface AggregatorOptions {
  camera: string;
  source: CameraSourceName;
  zones: ZoneFile;
  /** Seconds between processed frames; attention of one frame counts at most 3 of them. */
  frameSeconds: number;
  /** Fewest people in a demographic bucket. Default 5. */
  k?: number;
  record: (record: AudienceRecord) => void;
}

export interface FrameLineage {
  people: Lineage;
  faces: Lineage;
}

export interface Aggregator {
  /** One processed frame at clock time `at`; closes the minute or hour the clock left. */
  add(at: number, outcome: Pick<FrameOutcome, Added>, lineage: FrameLineage): void;
  /** Closes the open minute and hour if the clock has left them. */
  closeIfPast(now: number): void;
  /** Closes everything open now, for a run that ends. */
  flush(now: number): void;
  /**
   * Counts on `zones` from now on; `ended` holds the visits the swap closed, counted in the
   * open minute. A zone or line that is gone still gets its record for the minute it was in,
   * with the frames it was watched; a new one starts with this minute.
   */
  setZones(zones: ZoneFile, ended: ZoneEvents, at: number): void;
}

type Added = 'zonePeople' | 'zoneLooking' | 'crossings' | 'events' | 'ended' | 'confidence';

interface ZoneTally {
  /** The zone as last drawn: a zone redrawn with another kind reports the new kind. */
  zone: Zone;
  frames: number;
  occupancySum: number;
  occupancyMax: number;
  entries: number;
  visits: Visit[];
  attentionSeconds: number;
}

interface OpenMinute {
  minute: number;
  frames: number;
  confidenceSum: number;
  zones: Map<string, ZoneTally>;
  lines: Map<string, { entries: number; exits: number }>;
  lineage: Lineage;
}

/**
 * Per camera: minute records per zone and counting line, hourly demographics and flows.
 * Nothing per person survives a record: visits become counts and histograms.
 */
export function aggregator(options: AggregatorOptions): Aggregator {
  const hours: HourAggregator = hourAggregator(options);
  let zones = options.zones;
  let open: OpenMinute | null = null;
  let lastAt: number | null = null;
  let lastLineage: Lineage | null = null;

  const close = (now: number) => {
    if (!open) return;

    for (const record of minuteRecords(open, options)) options.record({ ...record, at: now });
    open = null;
  };

  const add = (at: number, outcome: Pick<FrameOutcome, Added>, lineage: FrameLineage) => {
    const minute = Math.floor(at / minuteMs) * minuteMs;
    if (open && open.minute !== minute) close(at);
    hours.closeIfPast(at);

    const seconds = frameShare(lastAt, at, options.frameSeconds);
    lastAt = at;
    lastLineage = lineage.people;
    open ??= openMinute(minute, zones, lineage.people);
    open.frames += 1;
    open.confidenceSum += outcome.confidence;
    open.lineage = lineage.people;
    tallyZones(open, zones.zones, outcome, seconds);
    tallyEvents(open, outcome.events);
    tallyLines(open, zones.lines, outcome);
    hours.add(at, outcome, lineage);
  };

  const closeIfPast = (now: number) => {
    if (open && now >= open.minute + minuteMs) close(now);
    hours.closeIfPast(now);
  };

  const setZones = (next: ZoneFile, ended: ZoneEvents, at: number) => {
    closeIfPast(at);
    // Visits only exist after frames, so a lineage is known whenever there is one to count.
    if (!open && ended.visits.length && lastLineage) {
      open = openMinute(Math.floor(at / minuteMs) * minuteMs, zones, lastLineage);
    }
    if (open) tallyEvents(open, ended);
    hours.addMoves(at, ended.moves);

    zones = next;
    hours.setZones(next);
    if (!open) return;

    for (const zone of next.zones) zoneTally(open, zone);
    for (const line of next.lines) lineTally(open, line.name);
  };

  return {
    add,
    closeIfPast,
    flush(now) {
      close(now);
      hours.flush(now);
    },
    setZones,
  };
}

/** The time one frame stands for: the gap since the previous one, at most three frames. */
function frameShare(lastAt: number | null, at: number, frameSeconds: number): number {
  if (lastAt === null) return frameSeconds;

  return Math.min((at - lastAt) / 1000, 3 * frameSeconds);
}

function openMinute(minute: number, zones: ZoneFile, lineage: Lineage): OpenMinute {
  const open: OpenMinute = {
    minute,
    frames: 0,
    confidenceSum: 0,
    zones: new Map(),
    lines: new Map(),
    lineage,
  };
  for (const zone of zones.zones) zoneTally(open, zone);
  for (const line of zones.lines) lineTally(open, line.name);
  return open;
}

/** The minute's tally of a zone, made empty on first use; it keeps the zone as last drawn. */
function zoneTally(open: OpenMinute, zone: Zone): ZoneTally {
  const tally = open.zones.get(zone.name) ?? {
    zone,
    frames: 0,
    occupancySum: 0,
    occupancyMax: 0,
    entries: 0,
    visits: [],
    attentionSeconds: 0,
  };
  tally.zone = zone;
  open.zones.set(zone.name, tally);
  return tally;
}

function lineTally(open: OpenMinute, line: string) {
  const tally = open.lines.get(line) ?? { entries: 0, exits: 0 };
  open.lines.set(line, tally);
  return tally;
}

/** Occupancy and attention of the zones watched on this frame. */
function tallyZones(
  open: OpenMinute,
  zones: readonly Zone[],
  outcome: Pick<FrameOutcome, Added>,
  seconds: number,
) {
  for (const zone of zones) {
    const tally = zoneTally(open, zone);
    const people = outcome.zonePeople[zone.name] ?? 0;
    tally.frames += 1;
    tally.occupancySum += people;
    tally.occupancyMax = Math.max(tally.occupancyMax, people);
    tally.attentionSeconds += (outcome.zoneLooking[zone.name] ?? 0) * seconds;
  }
}

/** Visits begun and ended, in the zone they belong to, even one that has since been removed. */
function tallyEvents(open: OpenMinute, events: ZoneEvents) {
  for (const entry of events.entered) {
    const tally = open.zones.get(entry.zone);
    if (tally) tally.entries += 1;
  }
  for (const visit of events.visits) open.zones.get(visit.zone)?.visits.push(visit);
}

function tallyLines(
  open: OpenMinute,
  lines: readonly CountingLine[],
  outcome: Pick<FrameOutcome, Added>,
) {
  for (const crossing of outcome.crossings) {
    if (!lines.some((line) => line.name === crossing.line)) continue;

    const tally = lineTally(open, crossing.line);
    if (crossing.direction === 'in') tally.entries += 1;
    else tally.exits += 1;
  }
}

function minuteRecords(open: OpenMinute, options: AggregatorOptions): Omit<AudienceRecord, 'at'>[] {
  const confidence = round(open.frames ? open.confidenceSum / open.frames : 0);
  const common = {
    camera: options.camera,
    minute: open.minute,
    source: options.source,
    confidence,
    lineage: open.lineage,
  };
  const zones = [...open.zones.values()].map((tally) => ({
    kind: 'audience.zone-minute' as const,
    data: zoneMinute(tally, common),
  }));
  const lines = [...open.lines].map(([line, tally]) => ({
    kind: 'audience.line-minute' as const,
    data: { ...common, line, entries: tally.entries, exits: tally.exits },
  }));
  return [...zones, ...lines];
}

function zoneMinute(
  tally: ZoneTally,
  common: Pick<AudienceZoneMinute, 'camera' | 'minute' | 'source' | 'confidence' | 'lineage'>,
): AudienceZoneMinute {
  const { zone } = tally;
  const dwells = tally.visits.map((visit) => visit.dwell);
  const record: AudienceZoneMinute = {
    camera: common.camera,
    zone: zone.name,
    zoneKind: zone.kind,
    minute: common.minute,
    frames: tally.frames,
    entries: tally.entries,
    exits: tally.visits.length,
    occupancyMean: round(tally.frames ? tally.occupancySum / tally.frames : 0),
    occupancyMax: tally.occupancyMax,
    visits: tally.visits.length,
    dwellSeconds: dwellSeconds(dwells),
    attentionSeconds: round(tally.attentionSeconds),
    source: common.source,
    confidence: common.confidence,
    lineage: common.lineage,
  };
  if (zone.kind !== 'passing') return { ...record, dwellMinutes: dwellMinutes(dwells) };

  const stops = tally.visits.filter((visit) => visit.stopped).length;
  return { ...record, passersBy: tally.visits.length, stops };
}

export function dwellSeconds(dwells: readonly number[]): DwellSeconds {
  const counts = { '0-5': 0, '5-15': 0, '15-30': 0, '30-60': 0, '60+': 0 };
  for (const dwell of dwells) {
    if (dwell < 5) counts['0-5'] += 1;
    else if (dwell < 15) counts['5-15'] += 1;
    else if (dwell < 30) counts['15-30'] += 1;
    else if (dwell < 60) counts['30-60'] += 1;
    else counts['60+'] += 1;
  }
  return counts;
}

export function dwellMinutes(dwells: readonly number[]): DwellMinutes {
  const counts = { '0-2': 0, '2-5': 0, '5-10': 0, '10-20': 0, '20+': 0 };
  for (const minutes of dwells.map((dwell) => dwell / 60)) {
    if (minutes < 2) counts['0-2'] += 1;
    else if (minutes < 5) counts['2-5'] += 1;
    else if (minutes < 10) counts['5-10'] += 1;
    else if (minutes < 20) counts['10-20'] += 1;
    else counts['20+'] += 1;
  }
  return counts;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
