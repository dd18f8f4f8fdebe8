import type { FaceDetection } from './detector.ts';
import type { Track } from './tracker.ts';
import { boxCentre } from './zones.ts';

/**
 * Measured on the clips (bench/RESULTS.md). Faces narrower than 30 px in a 480 px frame
 * (1/16 of its width) give faceres gender scores that swing between the sexes, so they are
 * `unknown`. A view counts only when the face is near-frontal; attention needs it frontal.
 */
export const minimumFaceWidth = 1 / 16;
/** |nose offset from the eyes' midpoint| ÷ eye distance, above which a face is turned away. */
export const frontalOffset = 0.15;
const viewOffset = 0.3;
/** Mean signed gender score over the best views needed to say male or female. */
export const genderThreshold = 0.3;
const bestViews = 3;

export const ageBands = ['under 18', '18-24', '25-34', '35-44', '45-54', '55-64', '65+'] as const;
export type AgeBand = (typeof ageBands)[number] | 'unknown';
export type Gender = 'male' | 'female' | 'unknown';

/** How far the nose sits from the eyes' midpoint, in eye distances; 0 is frontal. */
export function noseOffset(face: FaceDetection): number {
  const [first, second, nose] = face.keypoints;
  if (!first || !second || !nose) return Number.POSITIVE_INFINITY;

  const eyes = Math.abs(second[0] - first[0]);
  if (eyes === 0) return Number.POSITIVE_INFINITY;

  return (nose[0] - (first[0] + second[0]) / 2) / eyes;
}

export function isFrontal(face: FaceDetection): boolean {
  return face.box[2] >= minimumFaceWidth && Math.abs(noseOffset(face)) <= frontalOffset;
}

/** Whether a face is big and frontal enough for its age and gender to mean anything. */
export function isView(face: FaceDetection): boolean {
  return face.box[2] >= minimumFaceWidth && Math.abs(noseOffset(face)) <= viewOffset;
}

/** Bigger and more frontal is better. */
function viewQuality(face: FaceDetection): number {
  return face.box[2] * (1 - Math.abs(noseOffset(face)));
}

/** The track a face belongs to: its centre in the upper part of that track's body box. */
export function faceOwner(face: FaceDetection, tracks: readonly Track[]): Track | null {
  const [x, y] = boxCentre(face.box);
  let owner: Track | null = null;
  let best = Number.POSITIVE_INFINITY;
  for (const track of tracks.filter((candidate) => candidate.matched)) {
    const [left, top, width, height] = track.box;
    const margin = width * 0.25;
    const within = x >= left - margin && x <= left + width + margin;
    if (!within || y < top - height * 0.3 || y > top + height * 0.5) continue;

    const distance = Math.abs(x - (left + width / 2));
    if (distance < best) [owner, best] = [track, distance];
  }
  return owner;
}

interface View {
  quality: number;
  signedGender: number;
  age: number;
}

export interface Demographics {
  track: number;
  gender: Gender;
  ageBand: AgeBand;
  confidence: number;
  views: number;
}

export interface DemographicsOptions {
  /** Face descriptions at most per track. Default unlimited (the `sense` diagnostic). */
  maxDescriptions?: number;
  /** Frames of face detection at most for a track that never shows a usable view. Default
   * unlimited; a person seen only from behind stays `unknown` without costing every frame. */
  maxLooks?: number;
  /**
   * Once a track holds its best few views, a face is described only when its quality beats the
   * worst of them by this share. Default 0; a budgeted camera sets more, so a walker coming
   * closer spends its descriptions on faces clearly bigger than the first small ones.
   */
  betterBy?: number;
}

/** The best few face views of each track, and the verdict they support. */
export function demographicsKeeper(options: DemographicsOptions = {}) {
  const maxDescriptions = options.maxDescriptions ?? Number.POSITIVE_INFINITY;
  const maxLooks = options.maxLooks ?? Number.POSITIVE_INFINITY;
  const betterBy = options.betterBy ?? 0;
  const views = new Map<number, View[]>();
  const effort = new Map<number, { descriptions: number; looks: number }>();
  const effortOf = (track: number) => {
    const entry = effort.get(track) ?? { descriptions: 0, looks: 0 };
    effort.set(track, entry);
    return entry;
  };

  const add = (track: number, face: FaceDetection) => {
    effortOf(track).descriptions += 1;
    // faceres answering no gender at all is no vote: counting it as 0 drags a clear verdict
    // toward unknown (seen on the mirrored head-pose clip).
    if (!isView(face) || face.age === null || face.gender === 'unknown') return;

    const sign = face.gender === 'male' ? 1 : face.gender === 'female' ? -1 : 0;
    const quality = viewQuality(face);
    const list = [
      ...(views.get(track) ?? []),
      { quality, signedGender: sign * face.genderScore, age: face.age },
    ];
    views.set(track, list.sort((a, b) => b.quality - a.quality).slice(0, bestViews));
  };

  const verdict = (track: number): Demographics => {
    const best = views.get(track) ?? [];
    if (best.length === 0)
      return { track, gender: 'unknown', ageBand: 'unknown', confidence: 0, views: 0 };

    const signed = best.reduce((sum, view) => sum + view.signedGender, 0) / best.length;
    const age = best.reduce((sum, view) => sum + view.age, 0) / best.length;
    const gender: Gender =
      signed >= genderThreshold ? 'male' : signed <= -genderThreshold ? 'female' : 'unknown';
    const confidence = Math.round(Math.abs(signed) * 1000) / 1000;
    return { track, gender, ageBand: ageBand(age), confidence, views: best.length };
  };

  /**
   * Whether describing this face could change the track's verdict: while the track has fewer
   * than its best few views, or the face is better than the worst of them (a walker
   * coming closer). A person sitting still is described a few times, then no more.
   */
  const wants = (track: number, face: FaceDetection) => {
    if (effortOf(track).descriptions >= maxDescriptions) return false;

    const best = views.get(track) ?? [];
    const worst = best.at(-1);
    return best.length < bestViews || !worst || viewQuality(face) > worst.quality * (1 + betterBy);
  };

  /** Whether more face work on this track would be spent in vain. */
  const settled = (track: number) => {
    const spent = effortOf(track);
    const best = views.get(track)?.length ?? 0;
    return best >= bestViews || spent.descriptions >= maxDescriptions || spent.looks >= maxLooks;
  };

  /** Counts a frame on which faces were looked for while this track was in view. */
  const looked = (track: number) => {
    effortOf(track).looks += 1;
  };

  /** Lets an ended track's views go: only its verdict, taken before, outlives it. */
  const forget = (track: number) => {
    views.delete(track);
    effort.delete(track);
  };

  return { add, verdict, wants, settled, looked, forget };
}

export function ageBand(age: number): AgeBand {
  if (age < 18) return 'under 18';
  if (age < 25) return '18-24';
  if (age < 35) return '25-34';
  if (age < 45) return '35-44';
  if (age < 55) return '45-54';
  if (age < 65) return '55-64';
  return '65+';
}
