import type { ZoneAudience } from '../../protocol/index.ts';
import type { FrameOutcome } from './pipeline.ts';
import type { ZoneFile } from './zones.ts';

interface ZoneMemory {
  sentAt: number | null;
  people: number;
  attentionSeconds: number;
}

/**
 * Live zone figures for screens and queue: a zone's message goes out when its head count
 * changes, and otherwise at most once per interval, carrying the attention since the last.
 * Counts and an age histogram only; never a track.
 */
export function zonePublisher(
  zones: ZoneFile,
  intervalMs: number,
  publish: (zone: ZoneAudience) => void,
) {
  let memory = zoneMemory(zones, new Map());

  const publishFrame = (at: number, outcome: FrameOutcome, seconds: number) => {
    for (const [zone, remembered] of memory) {
      const people = outcome.zonePeople[zone] ?? 0;
      const viewers = outcome.zoneLooking[zone] ?? 0;
      remembered.attentionSeconds += viewers * seconds;
      const due = remembered.sentAt === null || at - remembered.sentAt >= intervalMs;
      if (!due && people === remembered.people) continue;

      const attentionSeconds = Math.round(remembered.attentionSeconds * 1000) / 1000;
      const ages = outcome.zoneAges[zone] ?? {};
      publish({ zone, at, people, viewers, attentionSeconds, ages });
      Object.assign(remembered, { sentAt: at, people, attentionSeconds: 0 });
    }
  };

  /** A zone kept goes on as it was; a new one is published on the next frame; a gone one stops. */
  const setZones = (next: ZoneFile) => {
    memory = zoneMemory(next, memory);
  };

  return Object.assign(publishFrame, { setZones });
}

function zoneMemory(zones: ZoneFile, previous: ReadonlyMap<string, ZoneMemory>) {
  return new Map<string, ZoneMemory>(
    zones.zones.map((zone) => [
      zone.name,
      previous.get(zone.name) ?? { sentAt: null, people: -1, attentionSeconds: 0 },
    ]),
  );
}
