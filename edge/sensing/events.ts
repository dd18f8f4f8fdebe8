import type { Track } from './tracker.ts';
import { type CountingLine, footPoint, inside, sideOf, type Zone } from './zones.ts';

export interface Crossing {
  line: string;
  /** Kept for the diagnostic and tests; aggregates drop it. */
  track: number;
  direction: 'in' | 'out';
  t: number;
}

export interface Visit {
  zone: string;
  track: number;
  start: number;
  end: number;
  dwell: number;
}

export interface Move {
  from: string;
  to: string;
}

interface LineMemory {
  /** The side the track is counted on. */
  settled: -1 | 1 | null;
  /** A side seen since, and for how many frames in a row. */
  pending: -1 | 1 | null;
  frames: number;
}

/**
 * Counting lines with N-frame confirmation: a track's foot point must stay on the new side for
 * `confirmFrames` frames in a row before a crossing counts, so a foot box that flickers over the
 * line for one frame counts nothing, at any frame rate.
 */
export function lineCounter(lines: readonly CountingLine[]) {
  const memory = new Map<string, LineMemory>();

  return (t: number, tracks: readonly Track[]): Crossing[] => {
    const crossings: Crossing[] = [];
    for (const track of tracks.filter((candidate) => candidate.matched)) {
      for (const line of lines) {
        const side = sideOf(line, footPoint(track.box));
        if (side === 0) continue;

        const key = `${track.id}:${line.name}`;
        const seen = memory.get(key) ?? { settled: null, pending: null, frames: 0 };
        memory.set(key, seen);
        const crossing = step(seen, side, line.confirmFrames);
        if (crossing) crossings.push({ line: line.name, track: track.id, direction: crossing, t });
      }
    }
    return crossings;
  };
}

function step(seen: LineMemory, side: -1 | 1, confirmFrames: number): 'in' | 'out' | null {
  if (seen.settled === null) {
    seen.settled = side;
    return null;
  }

  if (side === seen.settled) {
    seen.pending = null;
    seen.frames = 0;
    return null;
  }

  seen.frames = seen.pending === side ? seen.frames + 1 : 1;
  seen.pending = side;
  if (seen.frames < confirmFrames) return null;

  seen.settled = side;
  seen.pending = null;
  seen.frames = 0;
  return side === 1 ? 'in' : 'out';
}

interface Presence {
  zone: string;
  start: number;
  last: number;
}

/**
 * Visits: a confirmed track whose foot point is in a zone is visiting it; the visit ends when
 * the track leaves the zone or ends. A move is recorded when a track's next zone differs.
 */
export function visitKeeper(zones: readonly Zone[]) {
  const open = new Map<string, Presence>();
  const lastZone = new Map<number, string>();
  const visits: Visit[] = [];
  const moves: Move[] = [];

  const close = (key: string, presence: Presence) => {
    open.delete(key);
    const track = Number(key.split(':')[0]);
    const dwell = round(presence.last - presence.start);
    visits.push({ zone: presence.zone, track, start: presence.start, end: presence.last, dwell });
  };

  const observe = (t: number, tracks: readonly Track[]) => {
    const present = new Set<string>();
    for (const track of tracks.filter((candidate) => candidate.confirmed)) {
      for (const zone of zones.filter((area) => inside(footPoint(track.box), area.polygon))) {
        const key = `${track.id}:${zone.name}`;
        present.add(key);
        // A track confirmed on this frame has been here since its first sighting.
        const start = track.hits <= 2 ? track.firstSeen : t;
        const presence = open.get(key) ?? { zone: zone.name, start, last: t };
        presence.last = t;
        if (!open.has(key)) enter(track.id, zone.name);
        open.set(key, presence);
      }
    }
    for (const [key, presence] of open) if (!present.has(key)) close(key, presence);
  };

  const enter = (track: number, zone: string) => {
    const previous = lastZone.get(track);
    if (previous && previous !== zone) moves.push({ from: previous, to: zone });
    lastZone.set(track, zone);
  };

  const finish = () => {
    for (const [key, presence] of open) close(key, presence);
  };

  const openVisits = () => [...open.values()];
  return { observe, finish, visits: () => visits, moves: () => moves, openVisits };
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
