import type { AgeBand } from '../../protocol/index.ts';
import type { Detections, FaceWork } from './detector.ts';
import {
  type Crossing,
  lineCounter,
  type Move,
  type Visit,
  visitKeeper,
  type ZoneEvents,
} from './events.ts';
import {
  type Demographics,
  type DemographicsOptions,
  demographicsKeeper,
  faceOwner,
  isFrontal,
  isView,
  minimumFaceWidth,
} from './faces.ts';
import { countConfidence, peopleInFrame } from './people.ts';
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
  /** Zone name → age bands of the people standing in it whose band is known. */
  zoneAges: Record<string, Partial<Record<AgeBand, number>>>;
  /** Mean score of the people counted, 0..1. */
  confidence: number;
  /** Visits begun and ended, and moves between zones, on this frame. */
  events: ZoneEvents;
  /** Tracks that ended on this frame: their verdict and the zones they visited. */
  ended: EndedTrack[];
}

export interface EndedTrack {
  demographics: Demographics;
  zones: string[];
}

export interface AnalyserOptions {
  /** Seconds between processed frames, so a track missed on one frame stays in view. */
  frameSeconds?: number;
  /** Keep every visit, move and verdict for `finish` (the `sense` diagnostic). Default true. */
  history?: boolean;
  demographics?: DemographicsOptions;
  /**
   * Face passes at most per second of video, counted by frame time, while they serve attention
   * alone (a track still short of its views gets one on every frame). Between passes each
   * person keeps the attention the last pass saw. Default: a pass on every frame that needs
   * one (the `sense` diagnostic, whose timeline is per frame).
   */
  facePassesPerSecond?: number;
}

export interface Analyser {
  frame(t: number, detections: Detections): FrameOutcome;
  /**
   * The latest frame's faces (indices into its detections) that are views which could change
   * a track's verdict: the only ones worth describing.
   */
  facesToDescribe(): number[];
  /** The described faces of the latest frame (age and gender), from `describeLast`. */
  described(detections: Detections): void;
  /**
   * The face work the next frame needs: boxes while someone stands in a viewing zone or a
   * track still wants views, nothing otherwise.
   */
  nextFaceWork(): FaceWork;
  /** Ends every track; per-track results for the diagnostic `sense` output only. */
  finish(): AnalysisSummary;
  /**
   * A cut in the footage (the next clip of a playlist): every track ends now, and the visits
   * and tracks this ends come out with the next frame's outcome, so nobody of the last scene
   * is carried into the next one as briefly unseen.
   */
  cut(): void;
  /** The current verdict of each confirmed track in view: a diagnostic for benchmarks. */
  verdicts(): Demographics[];
  /**
   * Uses `zones` from the next frame on, keeping the tracker and its tracks. Returns the
   * visits this ended (those in zones that are gone, and any waiting for the next frame), for
   * the aggregates.
   */
  setZones(zones: ZoneFile): ZoneEvents;
}

export interface AnalysisSummary {
  tracks: number;
  visits: Visit[];
  faces: Demographics[];
  moves: Move[];
  /** What ending the run closed: the events and tracks of this last step alone. */
  last: { events: ZoneEvents; ended: EndedTrack[] };
}

/**
 * One camera's frames → tracks → events. Per-track state stays inside and is let go when a
 * track ends; what leaves for the bus and the store is aggregated by aggregates.ts.
 */
export function createAnalyser(initial: ZoneFile, options: AnalyserOptions = {}): Analyser {
  const frameSeconds = options.frameSeconds ?? 0;
  const tracker = createTracker({ coastSeconds: Math.max(0.5, 1.5 * frameSeconds) });
  const lines = lineCounter(initial.lines);
  const visits = visitKeeper(initial.zones);
  const demographics = demographicsKeeper(options.demographics);
  let zones = initial;
  let viewing = viewingZones(initial);
  const history = options.history === false ? null : emptyHistory();
  let inView: Track[] = [];
  let viewsWanted: number[] = [];
  const passGap = 1 / (options.facePassesPerSecond ?? Number.POSITIVE_INFINITY);
  let latest = Number.NEGATIVE_INFINITY;
  let lastPass = Number.NEGATIVE_INFINITY;
  /** Whether the frame in flight skipped its face pass only for the rate: it carries lookers. */
  let passHeldBack = false;
  let lookers: Looker[] = [];

  const endTracks = (ended: readonly Track[]): EndedTrack[] => {
    const zonesOf = visits.endTracks(ended.map((track) => track.id));
    return ended.map((track) => {
      const verdict = demographics.verdict(track.id);
      demographics.forget(track.id);
      lines.forget(track.id);
      return { demographics: verdict, zones: zonesOf.get(track.id) ?? [] };
    });
  };

  const faces = (detections: Detections) => {
    viewsWanted = [];
    lookers = [];
    for (const [index, face] of detections.faces.entries()) {
      const owner = faceOwner(face, inView);
      if (owner?.confirmed && isView(face) && demographics.wants(owner.id, face)) {
        viewsWanted.push(index);
      }
      if (isFrontal(face)) lookers.push({ track: owner?.id ?? null, at: boxCentre(face.box) });
    }
  };

  /** Frontal faces per viewing zone, placed where their person stands (else the face). */
  const attention = () => {
    const zoneLooking: Record<string, number> = {};
    let looking = 0;
    for (const looker of lookers) {
      const owner = looker.track === null ? null : inView.find((t) => t.id === looker.track);
      if (looker.track !== null && !owner) continue;

      const where = owner ? footPoint(owner.box) : looker.at;
      const zonesSeen = viewing.filter((zone) => inside(where, zone.polygon));
      if (zonesSeen.length === 0) continue;

      looking += 1;
      for (const zone of zonesSeen) zoneLooking[zone.name] = (zoneLooking[zone.name] ?? 0) + 1;
    }
    return { looking, zoneLooking };
  };

  /** What a cut ended, handed out with the next frame's outcome. */
  let cutShort: { events: ZoneEvents; ended: EndedTrack[] } | null = null;

  const cut = () => {
    const ended = endTracks(tracker.endAll());
    const events = visits.take();
    inView = [];
    lookers = [];
    viewsWanted = [];
    cutShort = {
      events: joinEvents(cutShort?.events, events),
      ended: [...(cutShort?.ended ?? []), ...ended],
    };
  };

  const frame = (t: number, detections: Detections): FrameOutcome => {
    const people = peopleInFrame(detections.bodies);
    inView = tracker.update(
      t,
      people.map((body) => body.box),
    );
    const events = joinEvents(cutShort?.events, visits.observe(t, inView));
    const ended = [...(cutShort?.ended ?? []), ...endTracks(tracker.takeEnded())];
    cutShort = null;
    const carried = passHeldBack && detections.faceWork === 'none';
    if (!carried) faces(detections);
    else viewsWanted = [];
    const { looking, zoneLooking } = attention();
    latest = t;
    if (lookedForFaces(detections)) {
      lastPass = t;
      noteLooks();
    }

    const confidence = countConfidence(people, detections.bodies);
    const zonePeople = countInZones(inView, zones.zones);
    const zoneAges = agesInZones(inView, zones.zones, demographics.verdict);
    const crossings = lines(t, inView);
    const outcome = {
      t,
      people: inView.length,
      looking,
      crossings,
      zonePeople,
      zoneLooking,
      zoneAges,
      confidence,
      events,
      ended,
    };
    if (history) remember(history, outcome);
    return outcome;
  };

  const noteLooks = () => {
    for (const track of inView) if (track.confirmed) demographics.looked(track.id);
  };

  // Describing faces costs more than finding people: only when this frame shows a face big
  // and frontal enough to be a view, of a track whose verdict more views could still change.
  const described = (detections: Detections) => {
    for (const face of detections.faces) {
      const owner = faceOwner(face, inView);
      if (owner?.confirmed && face.age !== null) demographics.add(owner.id, face);
    }
  };

  const nextFaceWork = (): FaceWork => {
    const confirmed = inView.filter((track) => track.confirmed);
    const watching = confirmed.some((track) =>
      viewing.some((zone) => inside(footPoint(track.box), zone.polygon)),
    );
    // A face worth describing fits in its body's box: a narrower person shows none.
    const wanting = confirmed.some(
      (track) => !demographics.settled(track.id) && track.box[2] >= minimumFaceWidth,
    );
    // A track still short of its views is looked at on every frame, so its verdict settles
    // soon; attention alone is sampled at the rate.
    const due = wanting || latest + frameSeconds - lastPass >= passGap - 1e-6;
    passHeldBack = (watching || wanting) && !due;
    return (watching || wanting) && due ? 'detect' : 'none';
  };

  const finish = (): AnalysisSummary => {
    const ended = endTracks(tracker.endAll());
    const events = visits.take();
    inView = [];
    if (history) remember(history, { events, ended });
    return {
      tracks: tracker.confirmedCount(),
      visits: history?.visits ?? events.visits,
      faces: history?.faces ?? ended.map((track) => track.demographics),
      moves: history?.moves ?? events.moves,
      last: { events, ended },
    };
  };

  const verdicts = () =>
    inView.filter((track) => track.confirmed).map((track) => demographics.verdict(track.id));

  const setZones = (next: ZoneFile): ZoneEvents => {
    zones = next;
    viewing = viewingZones(next);
    lines.setLines(next.lines);
    const events = visits.setZones(next.zones);
    if (history) remember(history, { events, ended: [] });
    return events;
  };

  return {
    frame,
    facesToDescribe: () => [...viewsWanted],
    described,
    nextFaceWork,
    finish,
    cut,
    verdicts,
    setZones,
  };
}

function joinEvents(first: ZoneEvents | undefined, then: ZoneEvents): ZoneEvents {
  if (!first) return then;

  return {
    entered: [...first.entered, ...then.entered],
    visits: [...first.visits, ...then.visits],
    moves: [...first.moves, ...then.moves],
  };
}

/** A frontal face of the latest face pass: its person's track, else where the face was. */
interface Looker {
  track: number | null;
  at: [number, number];
}

/** Zones whose frontal faces count as attention: those naming a screen, else all of them. */
function viewingZones(zones: ZoneFile): readonly Zone[] {
  const screens = zones.zones.filter((zone) => zone.screen !== undefined);
  // Without a screen named, the camera is taken to sit on the screen its zones face.
  return screens.length ? screens : zones.zones;
}

/** A frame on which the detector was asked for faces reports its face time; none otherwise. */
function lookedForFaces(detections: Detections): boolean {
  return detections.faceWork !== undefined && detections.faceWork !== 'none';
}

function emptyHistory() {
  return { visits: [] as Visit[], moves: [] as Move[], faces: [] as Demographics[] };
}

function remember(
  history: ReturnType<typeof emptyHistory>,
  outcome: { events: ZoneEvents; ended: EndedTrack[] },
) {
  history.visits.push(...outcome.events.visits);
  history.moves.push(...outcome.events.moves);
  history.faces.push(...outcome.ended.map((track) => track.demographics));
}

function countInZones(tracks: readonly Track[], zones: readonly Zone[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const zone of zones) {
    counts[zone.name] = tracks.filter((track) => inside(footPoint(track.box), zone.polygon)).length;
  }
  return counts;
}

function agesInZones(
  tracks: readonly Track[],
  zones: readonly Zone[],
  verdict: (track: number) => Demographics,
): FrameOutcome['zoneAges'] {
  const ages: FrameOutcome['zoneAges'] = {};
  for (const zone of zones) {
    const bands: Partial<Record<AgeBand, number>> = {};
    for (const track of tracks.filter((one) => one.confirmed)) {
      if (!inside(footPoint(track.box), zone.polygon)) continue;

      const band = verdict(track.id).ageBand;
      if (band !== 'unknown') bands[band] = (bands[band] ?? 0) + 1;
    }
    ages[zone.name] = bands;
  }
  return ages;
}
