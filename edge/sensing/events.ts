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
  /** Whether the person stood still in the zone for a while (a stop in a passing zone). */
  stopped: boolean;
}

export interface Move {
  from: string;
  to: string;
}

/** What zones saw on one frame: visits begun, visits ended, and moves between zones. */
export interface ZoneEvents {
  entered: { zone: string; track: number }[];
  visits: Visit[];
  moves: Move[];
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
export function lineCounter(initial: readonly CountingLine[]) {
  const memory = new Map<string, LineMemory>();
  let lines = initial;

  const count = (t: number, tracks: readonly Track[]): Crossing[] => {
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

  /** Lets an ended track's line memory go, so a camera running for days stays small. */
  const forget = (track: number) => {
    for (const line of lines) memory.delete(`${track}:${line.name}`);
  };

  /**
   * Counts on `next` from now on. A line kept exactly as it was keeps each track's side; a
   * line moved or removed forgets them, since a side of the old line says nothing of the new.
   */
  const setLines = (next: readonly CountingLine[]) => {
    const kept = new Set(next.filter((line) => lines.some((old) => sameLine(old, line))));
    const keptNames = new Set([...kept].map((line) => line.name));
    for (const key of memory.keys()) {
      if (!keptNames.has(key.slice(key.indexOf(':') + 1))) memory.delete(key);
    }
    lines = next;
  };

  return Object.assign(count, { forget, setLines });
}

function sameLine(a: CountingLine, b: CountingLine): boolean {
  const same = (p: readonly number[], q: readonly number[]) => p[0] === q[0] && p[1] === q[1];
  return (
    a.name === b.name &&
    same(a.from, b.from) &&
    same(a.to, b.to) &&
    a.confirmFrames === b.confirmFrames
  );
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
  track: number;
  start: number;
  last: number;
  /** Frames in a row the track was seen outside the zone since it was last inside. */
  outside: number;
  stillSince: number | null;
  stopped: boolean;
}

export interface VisitOptions {
  /** Frames in a row outside a zone before a visit ends, so a flickering foot box does not
   * split one visit in two. Default 2. */
  leaveFrames?: number;
  /** Speed below which a person stands still, in frame widths per second. Default 0.05. */
  stillSpeed?: number;
  /** Time standing still that makes a stop, in seconds. Default 2. */
  stopSeconds?: number;
}

/**
 * Visits: a confirmed track whose foot point is in a zone is visiting it; the visit ends when
 * the track has been seen outside the zone for `leaveFrames` frames, or when the track ends.
 * A move is recorded when a track's next zone differs from its previous one.
 */
export function visitKeeper(initial: readonly Zone[], options: VisitOptions = {}) {
  const leaveFrames = options.leaveFrames ?? 2;
  const stillSpeed = options.stillSpeed ?? 0.05;
  const stopSeconds = options.stopSeconds ?? 2;
  const open = new Map<string, Presence>();
  const lastZone = new Map<number, string>();
  const visited = new Map<number, Set<string>>();
  let zones = initial;
  let events: ZoneEvents = { entered: [], visits: [], moves: [] };

  const close = (key: string, presence: Presence) => {
    open.delete(key);
    const { zone, track, start, last: end, stopped } = presence;
    events.visits.push({ zone, track, start, end, dwell: round(end - start), stopped });
  };

  const enter = (track: Track, zone: string, t: number) => {
    // A track confirmed on this frame has been here since its first sighting.
    const start = track.hits <= 2 ? track.firstSeen : t;
    const presence = {
      zone,
      track: track.id,
      start,
      last: t,
      outside: 0,
      stillSince: null,
      stopped: false,
    };
    open.set(`${track.id}:${zone}`, presence);
    events.entered.push({ zone, track: track.id });
    const previous = lastZone.get(track.id);
    if (previous && previous !== zone) events.moves.push({ from: previous, to: zone });
    lastZone.set(track.id, zone);
    visited.set(track.id, (visited.get(track.id) ?? new Set()).add(zone));
  };

  const stay = (presence: Presence, track: Track, t: number) => {
    presence.last = t;
    presence.outside = 0;
    const speed = Math.hypot(track.velocity[0], track.velocity[1]);
    if (speed >= stillSpeed) presence.stillSince = null;
    else presence.stillSince ??= t;
    if (presence.stillSince !== null && t - presence.stillSince >= stopSeconds) {
      presence.stopped = true;
    }
  };

  const observe = (t: number, tracks: readonly Track[]): ZoneEvents => {
    for (const track of tracks.filter((candidate) => candidate.confirmed)) {
      const foot = footPoint(track.box);
      for (const zone of zones) {
        const presence = open.get(`${track.id}:${zone.name}`);
        if (inside(foot, zone.polygon)) {
          if (presence) stay(presence, track, t);
          else enter(track, zone.name, t);
          continue;
        }

        if (presence && track.matched) presence.outside += 1;
        if (presence && presence.outside >= leaveFrames)
          close(`${track.id}:${zone.name}`, presence);
      }
    }
    return take();
  };

  /** Closes the visits of tracks the tracker dropped; returns the zones each had visited. */
  const endTracks = (ended: readonly number[]): Map<number, string[]> => {
    const zonesOf = new Map<number, string[]>();
    for (const track of ended) {
      for (const zone of zones) {
        const presence = open.get(`${track}:${zone.name}`);
        if (presence) close(`${track}:${zone.name}`, presence);
      }
      zonesOf.set(track, [...(visited.get(track) ?? [])]);
      visited.delete(track);
      lastZone.delete(track);
    }
    return zonesOf;
  };

  const take = () => {
    const taken = events;
    events = { entered: [], visits: [], moves: [] };
    return taken;
  };

  /**
   * Watches `next` from now on. A visit in a zone that is gone ends where the track was last
   * seen in it; a visit in a zone kept by name goes on, and the zone's new outline decides on
   * the next frames whether the person is still in it. Returns the visits this ended.
   */
  const setZones = (next: readonly Zone[]): ZoneEvents => {
    const names = new Set(next.map((zone) => zone.name));
    for (const [key, presence] of open) if (!names.has(presence.zone)) close(key, presence);
    for (const [track, zone] of lastZone) if (!names.has(zone)) lastZone.delete(track);
    zones = next;
    return take();
  };

  return { observe, endTracks, take, setZones };
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
