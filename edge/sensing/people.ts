import type { BodyDetection, Box } from './detector.ts';

/**
 * Body score above which a movenet-multipose detection counts as a person. Measured on the
 * clips (bench/RESULTS.md): seated people in classroom.gif score 0.21–0.44 and the small
 * people at the edge of people-detection.gif 0.07–0.22, while the ghosts seen score 0.07 and
 * overlap a real person. The library's default of 0.3 would miss two of the four seated people.
 */
export const bodyScoreThreshold = 0.15;

/** Overlap above which two boxes are the same person (intersection over union). */
const sameBodyOverlap = 0.5;

/** People in one frame: detections over the threshold with duplicate boxes removed. */
export function peopleInFrame(
  bodies: readonly BodyDetection[],
  threshold = bodyScoreThreshold,
): BodyDetection[] {
  const kept: BodyDetection[] = [];
  const candidates = bodies.filter((body) => body.score >= threshold);
  for (const body of candidates.sort((a, b) => b.score - a.score)) {
    if (kept.every((other) => !sameBody(body.box, other.box))) kept.push(body);
  }
  return kept;
}

function sameBody(a: Box, b: Box): boolean {
  const inside = intersection(a, b);
  const smaller = Math.min(a[2] * a[3], b[2] * b[3]);
  // A box nested almost wholly inside another is a part of that person (a torso, a head).
  return overlap(a, b) > sameBodyOverlap || (smaller > 0 && inside / smaller > 0.85);
}

export function intersection(a: Box, b: Box): number {
  const width = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const height = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  return width > 0 && height > 0 ? width * height : 0;
}

/** Intersection over union of two boxes. */
export function overlap(a: Box, b: Box): number {
  const shared = intersection(a, b);
  const union = a[2] * a[3] + b[2] * b[3] - shared;
  return union > 0 ? shared / union : 0;
}

/** How sure the count is: the mean score of the people counted, or of the absence of any. */
export function countConfidence(
  people: readonly BodyDetection[],
  bodies: readonly BodyDetection[],
): number {
  if (people.length) return people.reduce((sum, body) => sum + body.score, 0) / people.length;

  const strongest = bodies.reduce((max, body) => Math.max(max, body.score), 0);
  return Math.max(0, Math.min(1, 1 - strongest));
}
