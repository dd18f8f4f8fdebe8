import type { Detections } from './detector.ts';
import { type Crossing, lineCounter, type Move, type Visit, visitKeeper } from './events.ts';
import { type Demographics, demographicsKeeper, faceOwner, isFrontal, isView } from './faces.ts';
import { peopleInFrame } from './people.ts';
import { createTracker, type Track } from './tracker.ts';
import { boxCentre, footPoint, inside, type Zone, type ZoneFile } from './zones.ts';

export interface FrameOutcome {
  t: number;
  /** People in view: this frame's people plus tracks briefly unseen. */
  people: number;
  /** Frontal faces in a screen's viewing zone (the whole frame without a zone file). */
  looking: number;
  crossings: Crossing[];
  /** Zone name → people standing in it. */
  zonePeople: Record<string, number>;
  /** Zone name → people looking at its screen. */
  zoneLooking: Record<string, number>;
  /** Mean score of the people counted, 0..1. */
  confidence: number;
}

export interface Analyser {
  frame(t: number, detections: Detections): FrameOutcome;
  /** Whether the latest frame showed a face view that could change a track's verdict. */
  wantsDescription(): boolean;
  /** The described faces of the latest frame (age and gender), from `describeLast`. */
  described(detections: Detections): void;
  /** Closes open visits; per-track results for the diagnostic `sense` output only. */
  finish(): AnalysisSummary;
}

export interface AnalysisSummary {
  tracks: number;
  visits: Visit[];
  faces: Demographics[];
  moves: Move[];
}

/**
 * One camera's frames → tracks → events. Per-track state stays inside; what leaves for the
 * bus and the store is aggregated by aggregates.ts.
 */
export function createAnalyser(zones: ZoneFile): Analyser {
  const tracker = createTracker();
  const lines = lineCounter(zones.lines);
  const visits = visitKeeper(zones.zones);
  const demographics = demographicsKeeper();
  const screens = zones.zones.filter((zone) => zone.screen !== undefined);
  const viewing = screens.length ? screens : null;
  let inView: Track[] = [];
  let viewWanted = false;

  const frame = (t: number, detections: Detections): FrameOutcome => {
    const people = peopleInFrame(detections.bodies);
    inView = tracker.update(
      t,
      people.map((body) => body.box),
    );
    visits.observe(t, inView);
    const zoneLooking: Record<string, number> = {};
    let looking = 0;
    viewWanted = false;
    for (const face of detections.faces) {
      const owner = faceOwner(face, inView);
      if (owner?.confirmed && isView(face) && demographics.wants(owner.id, face)) viewWanted = true;
      if (!isFrontal(face)) continue;

      const where = owner ? footPoint(owner.box) : boxCentre(face.box);
      const zonesSeen = viewing ? viewing.filter((zone) => inside(where, zone.polygon)) : [];
      if (viewing && zonesSeen.length === 0) continue;

      looking += 1;
      for (const zone of zonesSeen) zoneLooking[zone.name] = (zoneLooking[zone.name] ?? 0) + 1;
    }

    const confidence = people.length
      ? people.reduce((sum, body) => sum + body.score, 0) / people.length
      : 1;
    const zonePeople = countInZones(inView, zones.zones);
    const crossings = lines(t, inView);
    return { t, people: inView.length, looking, crossings, zonePeople, zoneLooking, confidence };
  };

  // Describing faces costs more than finding people: only when this frame shows a face big
  // and frontal enough to be a view, of a track whose verdict more views could still change.
  const described = (detections: Detections) => {
    for (const face of detections.faces) {
      const owner = faceOwner(face, inView);
      if (owner?.confirmed && face.age !== null) demographics.add(owner.id, face);
    }
  };

  const finish = (): AnalysisSummary => {
    visits.finish();
    const confirmed = tracker.ended().map((track) => track.id);
    const faces = confirmed.map((id) => demographics.verdict(id));
    return {
      tracks: tracker.confirmedCount(),
      visits: visits.visits(),
      faces,
      moves: visits.moves(),
    };
  };

  return { frame, wantsDescription: () => viewWanted, described, finish };
}

function countInZones(tracks: readonly Track[], zones: readonly Zone[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const zone of zones) {
    counts[zone.name] = tracks.filter((track) => inside(footPoint(track.box), zone.polygon)).length;
  }
  return counts;
}
