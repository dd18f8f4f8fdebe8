import { type Clock, SmartBranchError } from '../../core/index.ts';

export interface SyntheticCameraOptions {
  /** Same seed, same people over the same clock time. */
  seed: number;
  clock: Clock;
  /** Most people the camera ever sees. Default 8. */
  maxPeople?: number;
  /** How often the count may change, in milliseconds. Default 5000. */
  stepMs?: number;
}

/** A person's box normalized to the frame: x, y of the top-left corner, width, height. */
export type SyntheticBox = [number, number, number, number];

export interface SyntheticCamera {
  /** People in view at the clock's current time. */
  people(): number;
  /** People in view at a given epoch millisecond, the same on every call. */
  peopleAt(atMs: number): number;
  /**
   * Where the people in view stand at a given epoch millisecond: one place per person along
   * the frame, the newest person rightmost, so a tracker keeps each on one track.
   */
  boxesAt(atMs: number): SyntheticBox[];
  /**
   * Fault: from now on the camera loses this share of its frames (0–1), for `forMs` of clock
   * time or until switched off with a share of 0. Which frames go is seeded by their time.
   */
  dropFrames(share: number, forMs?: number): void;
  /** Whether the frame taken at this epoch millisecond reaches the gateway. */
  delivers(atMs: number): boolean;
}

/** Salt of the frame-loss draws, so they never repeat the walk's draws. */
const dropSalt = 0x5eed;

/**
 * A camera that needs no footage: a bounded random walk over clock time that looks like a
 * branch (a few people, drifting up and down by one now and then). The count at a time depends
 * only on the seed and that time's step, so replays and restarts see the same figures.
 */
export function syntheticCamera(options: SyntheticCameraOptions): SyntheticCamera {
  const maxPeople = options.maxPeople ?? 8;
  const stepMs = options.stepMs ?? 5000;
  // The walk restarts from a seeded level every hour so a lookup never walks far.
  const stepsPerEpoch = Math.max(1, Math.round(3_600_000 / stepMs));

  const peopleAt = (atMs: number) => {
    const step = Math.floor(atMs / stepMs);
    const epoch = Math.floor(step / stepsPerEpoch);
    let people = Math.floor(unitRandom(options.seed, epoch, -1) * (maxPeople / 2 + 1));
    for (let index = epoch * stepsPerEpoch; index <= step; index++) {
      people = walk(people, unitRandom(options.seed, epoch, index), maxPeople);
    }
    return people;
  };

  const boxesAt = (atMs: number): SyntheticBox[] => {
    const slot = 0.9 / maxPeople;
    return Array.from({ length: peopleAt(atMs) }, (_, index) => [
      0.05 + index * slot,
      0.45,
      Math.min(0.08, slot * 0.8),
      0.4,
    ]);
  };

  let drop = { share: 0, until: Number.POSITIVE_INFINITY };
  const dropFrames = (share: number, forMs?: number) => {
    if (!(share >= 0 && share <= 1)) {
      throw new SmartBranchError('SB_ERR_INVALID_REQUEST', `drop share ${share} is not 0–1`);
    }
    if (forMs !== undefined && !(forMs > 0)) {
      throw new SmartBranchError('SB_ERR_INVALID_REQUEST', `drop duration ${forMs} is not > 0`);
    }

    const until = forMs === undefined ? Number.POSITIVE_INFINITY : options.clock.now() + forMs;
    drop = { share, until };
  };

  const delivers = (atMs: number) => {
    if (drop.share === 0 || atMs >= drop.until) return true;

    return unitRandom(options.seed ^ dropSalt, Math.floor(atMs / 3_600_000), atMs) >= drop.share;
  };

  return {
    people: () => peopleAt(options.clock.now()),
    peopleAt,
    boxesAt,
    dropFrames,
    delivers,
  };
}

function walk(people: number, draw: number, maxPeople: number): number {
  // Mostly steady, sometimes one more or one fewer; a drift toward a third of the maximum.
  const pull = people > maxPeople / 3 ? 0.06 : -0.06;
  if (draw < 0.2 + pull) return Math.max(0, people - 1);
  if (draw > 0.8 + pull) return Math.min(maxPeople, people + 1);
  return people;
}

/** A uniform draw in [0, 1) from three integers (a small integer hash, mulberry32-style). */
function unitRandom(seed: number, epoch: number, index: number): number {
  let state = (seed ^ Math.imul(epoch, 0x9e3779b1) ^ Math.imul(index, 0x85ebca6b)) >>> 0;
  state = Math.imul(state ^ (state >>> 15), state | 1);
  state ^= state + Math.imul(state ^ (state >>> 7), state | 61);
  return ((state ^ (state >>> 14)) >>> 0) / 4294967296;
}
