import type { Box } from './detector.ts';
import { overlap } from './people.ts';

export interface TrackerOptions {
  /** Hits before a track counts as a person (a one-frame ghost never does). Default 2. */
  confirmHits?: number;
  /** How long a track survives without a detection, in seconds. Default 1.5. */
  maxGapSeconds?: number;
  /** How long an unseen track still counts as in view, in seconds. Default 0.5. */
  coastSeconds?: number;
}

export interface Track {
  /** Anonymous, per run; never tied to an appearance. */
  id: number;
  box: Box;
  firstSeen: number;
  lastSeen: number;
  hits: number;
  confirmed: boolean;
  /** Box centre velocity, frame widths and heights per second. */
  velocity: [number, number];
  /** Whether a detection matched this track on the latest frame. */
  matched: boolean;
}

export interface Tracker {
  /** Associates one frame's people with the tracks; returns the tracks in view after it. */
  update(t: number, boxes: readonly Box[]): Track[];
  /**
   * Confirmed tracks dropped since the last call (left the view or unseen too long); each is
   * handed out once, so a tracker running for days keeps only its live tracks.
   */
  takeEnded(): Track[];
  /** Ends every live track now (a run that ends) and returns the confirmed ones. */
  endAll(): Track[];
  /** Every confirmed track, live or ended. */
  confirmedCount(): number;
}

/** Least overlap, or closeness of centres, for a detection to continue a track. */
const minimumMatch = 0.02;

/**
 * SORT-like association: each track's box moves by its velocity to the frame time, then
 * detections and tracks pair greedily by overlap (or by closeness when a fast walker no
 * longer overlaps). No appearance is kept: ids are anonymous and die with the track.
 */
export function createTracker(options: TrackerOptions = {}): Tracker {
  const confirmHits = options.confirmHits ?? 2;
  const maxGap = options.maxGapSeconds ?? 1.5;
  const coast = options.coastSeconds ?? 0.5;
  let live: Track[] = [];
  let done: Track[] = [];
  let nextId = 1;
  let confirmed = 0;

  const update = (t: number, boxes: readonly Box[]) => {
    const pairs = associate(live, boxes, t);
    for (const track of live) track.matched = false;
    for (const [trackIndex, boxIndex] of pairs) {
      const track = live[trackIndex] as Track;
      refresh(track, boxes[boxIndex] as Box, t);
      if (!track.confirmed && track.hits >= confirmHits) {
        track.confirmed = true;
        confirmed += 1;
      }
    }

    const used = new Set(pairs.map(([, boxIndex]) => boxIndex));
    boxes.forEach((box, index) => {
      if (!used.has(index)) live.push(newTrack(nextId++, box, t));
    });

    for (const track of live.filter((candidate) => t - candidate.lastSeen > maxGap)) {
      if (track.confirmed) done.push(track);
    }
    live = live.filter((track) => t - track.lastSeen <= maxGap);
    return live.filter((track) => track.matched || (track.confirmed && t - track.lastSeen < coast));
  };

  const takeEnded = () => {
    const ended = done;
    done = [];
    return ended;
  };

  const endAll = () => {
    const ended = [...takeEnded(), ...live.filter((track) => track.confirmed)];
    live = [];
    return ended;
  };

  return { update, takeEnded, endAll, confirmedCount: () => confirmed };
}

function newTrack(id: number, box: Box, t: number): Track {
  const confirmed = false;
  return {
    id,
    box,
    firstSeen: t,
    lastSeen: t,
    hits: 1,
    confirmed,
    velocity: [0, 0],
    matched: true,
  };
}

function refresh(track: Track, box: Box, t: number) {
  const elapsed = t - track.lastSeen;
  if (elapsed > 0) {
    const [x, y] = centre(track.box);
    const [nx, ny] = centre(box);
    // Smoothed so one jittery box does not throw the prediction across the frame.
    track.velocity = [
      0.5 * track.velocity[0] + 0.5 * ((nx - x) / elapsed),
      0.5 * track.velocity[1] + 0.5 * ((ny - y) / elapsed),
    ];
  }

  track.box = box;
  track.lastSeen = t;
  track.hits += 1;
  track.matched = true;
}

function predicted(track: Track, t: number): Box {
  const elapsed = Math.min(1, t - track.lastSeen);
  const [x, y, width, height] = track.box;
  return [x + track.velocity[0] * elapsed, y + track.velocity[1] * elapsed, width, height];
}

function centre(box: Box): [number, number] {
  return [box[0] + box[2] / 2, box[1] + box[3] / 2];
}

/** How well a detection continues a track: overlap, else a small score for nearby centres. */
function matchScore(track: Box, box: Box): number {
  const shared = overlap(track, box);
  if (shared > 0) return shared;

  const [tx, ty] = centre(track);
  const [bx, by] = centre(box);
  const reach = Math.max(track[2], track[3]);
  const distance = Math.hypot(tx - bx, ty - by) / reach;
  return distance < 0.75 ? minimumMatch * (1 - distance) + 0.001 : 0;
}

function associate(tracks: readonly Track[], boxes: readonly Box[], t: number): [number, number][] {
  const candidates: [number, number, number][] = [];
  tracks.forEach((track, trackIndex) => {
    const guess = predicted(track, t);
    boxes.forEach((box, boxIndex) => {
      const score = matchScore(guess, box);
      if (score > 0) candidates.push([score, trackIndex, boxIndex]);
    });
  });

  const pairs: [number, number][] = [];
  const takenTracks = new Set<number>();
  const takenBoxes = new Set<number>();
  for (const [, trackIndex, boxIndex] of candidates.sort((a, b) => b[0] - a[0])) {
    if (takenTracks.has(trackIndex) || takenBoxes.has(boxIndex)) continue;

    takenTracks.add(trackIndex);
    takenBoxes.add(boxIndex);
    pairs.push([trackIndex, boxIndex]);
  }
  return pairs;
}
