import type { KnownAgeBand, Lineage } from '../../protocol/index.ts';
import type { AggregatorOptions, AudienceRecord, FrameLineage } from './aggregates.ts';
import { anonymousAges, anonymousGenders, defaultK } from './anonymity.ts';
import type { Move } from './events.ts';
import type { Demographics } from './faces.ts';
import type { FrameOutcome } from './pipeline.ts';
import type { ZoneFile } from './zones.ts';

const hourMs = 3_600_000;

type HourFields = 'events' | 'ended' | 'confidence';

export interface HourAggregator {
  add(at: number, outcome: Pick<FrameOutcome, HourFields>, lineage: FrameLineage): void;
  closeIfPast(now: number): void;
  flush(now: number): void;
  /** Moves made outside a frame (ended by a change of zones), counted in the open hour. */
  addMoves(at: number, moves: readonly Move[]): void;
  /** Zones drawn anew: an hour's record still covers the zones visited before the change. */
  setZones(zones: ZoneFile): void;
}

interface OpenHour {
  hour: number;
  /** Zone → the verdicts of the people whose visit to it ended in the hour. */
  verdicts: Map<string, Demographics[]>;
  /** `from\u0000to` → moves. */
  flows: Map<string, number>;
  frames: number;
  confidenceSum: number;
  people: Lineage;
  faces: Lineage;
}

/**
 * Hourly demographics per zone (k-anonymous) and zone-to-zone flow counts of one camera.
 * A person counts in the hour their track ended, once in every zone they visited.
 */
export function hourAggregator(
  options: Pick<AggregatorOptions, 'camera' | 'source' | 'zones' | 'k' | 'record'>,
): HourAggregator {
  const k = options.k ?? defaultK;
  let zones = options.zones;
  let open: OpenHour | null = null;

  const close = (now: number) => {
    if (!open) return;

    const closing = open;
    open = null;
    // The zones drawn now first, in their order, then any removed during the hour.
    const names = new Set([...zones.zones.map((zone) => zone.name), ...closing.verdicts.keys()]);
    for (const zone of names) {
      const verdicts = closing.verdicts.get(zone) ?? [];
      if (verdicts.length) options.record(demographicsRecord(closing, zone, verdicts, now));
    }
    if (closing.flows.size) options.record(flowRecord(closing, now));
  };

  const countMoves = (hour: OpenHour, moves: readonly Move[]) => {
    for (const move of moves) {
      const key = `${move.from}\u0000${move.to}`;
      hour.flows.set(key, (hour.flows.get(key) ?? 0) + 1);
    }
  };

  const add = (at: number, outcome: Pick<FrameOutcome, HourFields>, lineage: FrameLineage) => {
    const hour = Math.floor(at / hourMs) * hourMs;
    if (open && open.hour !== hour) close(at);

    open ??= {
      hour,
      verdicts: new Map(),
      flows: new Map(),
      frames: 0,
      confidenceSum: 0,
      ...lineage,
    };
    open.frames += 1;
    open.confidenceSum += outcome.confidence;
    open.people = lineage.people;
    open.faces = lineage.faces;
    for (const track of outcome.ended) {
      for (const zone of track.zones) {
        open.verdicts.set(zone, [...(open.verdicts.get(zone) ?? []), track.demographics]);
      }
    }
    countMoves(open, outcome.events.moves);
  };

  const demographicsRecord = (
    hour: OpenHour,
    zone: string,
    verdicts: Demographics[],
    now: number,
  ): AudienceRecord => {
    const known: Partial<Record<KnownAgeBand, number>> = {};
    for (const { ageBand } of verdicts) {
      if (ageBand !== 'unknown') known[ageBand] = (known[ageBand] ?? 0) + 1;
    }
    const ages = anonymousAges(known, k);
    const genders = anonymousGenders(verdicts, k);
    const agesUnknown = verdicts.filter((one) => one.ageBand === 'unknown').length;
    const confidence = verdicts.reduce((sum, one) => sum + one.confidence, 0) / verdicts.length;
    return {
      kind: 'audience.demographics-hour',
      at: now,
      data: {
        camera: options.camera,
        zone,
        hour: hour.hour,
        people: verdicts.length,
        k,
        ages: ages.ages,
        agesUnknown,
        agesSuppressed: ages.suppressed,
        genders: genders.genders,
        gendersSuppressed: genders.suppressed,
        source: options.source,
        confidence: Math.round(confidence * 1000) / 1000,
        lineage: hour.faces,
      },
    };
  };

  const flowRecord = (hour: OpenHour, now: number): AudienceRecord => ({
    kind: 'audience.flow-hour',
    at: now,
    data: {
      camera: options.camera,
      hour: hour.hour,
      flows: [...hour.flows].map(([key, moves]) => {
        const [from, to] = key.split('\u0000') as [string, string];
        return { from, to, moves };
      }),
      source: options.source,
      // Moves are as sure as the detections the tracks were made of.
      confidence: Math.round((hour.confidenceSum / hour.frames) * 1000) / 1000,
      lineage: hour.people,
    },
  });

  return {
    add,
    closeIfPast(now) {
      if (open && now >= open.hour + hourMs) close(now);
    },
    flush: close,
    addMoves(at, moves) {
      if (open && at < open.hour + hourMs) countMoves(open, moves);
    },
    setZones(next) {
      zones = next;
    },
  };
}
