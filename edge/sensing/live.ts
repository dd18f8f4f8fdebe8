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
  const memory = new Map<string, ZoneMemory>(
    zones.zones.map((zone) => [zone.name, { sentAt: null, people: -1, attentionSeconds: 0 }]),
  );

  return (at: number, outcome: FrameOutcome, seconds: number) => {
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
}
