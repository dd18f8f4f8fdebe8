import { z } from 'zod';

/**
 * Upper bounds, in seconds, of the buckets a queue's waiting times are counted in: every 15 s
 * up to 5 minutes, every 30 s up to 10, every minute up to 30, every 5 minutes up to 2 hours,
 * then one open bucket (`+Inf`). Fine where waits usually fall, so a p90 read from the
 * buckets is within 15 s of the true one for waits under 5 minutes; fixed, so histograms of
 * any minutes, counters, branches and days add up bucket by bucket.
 */
export const waitBucketBoundsSeconds: readonly number[] = [
  ...steps(15, 300, 15),
  ...steps(330, 600, 30),
  ...steps(660, 1800, 60),
  ...steps(2100, 7200, 300),
];

function steps(from: number, to: number, step: number): number[] {
  const bounds: number[] = [];
  for (let bound = from; bound <= to; bound += step) bounds.push(bound);
  return bounds;
}

const bucketNames: [string, ...string[]] = ['+Inf'];
bucketNames.unshift(...waitBucketBoundsSeconds.map(String));

export const WaitBucket = z.enum(bucketNames);
export type WaitBucket = z.output<typeof WaitBucket>;

/** Waits counted per bucket, named by its upper bound in seconds; empty buckets left out. */
export const WaitHistogram = z.partialRecord(WaitBucket, z.number().int().positive());
export type WaitHistogram = z.output<typeof WaitHistogram>;

/** The bucket of a wait: the first whose upper bound it does not exceed. */
export function waitBucketOf(waitSeconds: number): WaitBucket {
  const bound = waitBucketBoundsSeconds.find((upper) => waitSeconds <= upper);
  return bound === undefined ? '+Inf' : String(bound);
}

/** Adds `from` into `into`, bucket by bucket. */
export function addWaitHistogram(into: WaitHistogram, from: WaitHistogram): WaitHistogram {
  for (const [bucket, count] of Object.entries(from) as [WaitBucket, number][]) {
    into[bucket] = (into[bucket] ?? 0) + count;
  }
  return into;
}

/**
 * The wait that `share` (0..1) of the counted waits did not exceed, by nearest rank, given as
 * the upper bound of the bucket it falls in: a figure that errs long, never short. Waits past
 * the last bound are reported as that bound. Null for an empty histogram.
 */
export function waitPercentileSeconds(histogram: WaitHistogram, share: number): number | null {
  const counts = bucketNames.map((bucket) => histogram[bucket] ?? 0);
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;

  // The epsilon keeps a product such as 0.9 × 70 = 63.00000000000001 at rank 63.
  const rank = Math.max(1, Math.ceil(share * total - 1e-9));
  let seen = 0;
  for (const [index, count] of counts.entries()) {
    seen += count;
    if (seen >= rank) return waitBucketBoundsSeconds[index] ?? lastBound();
  }
  return lastBound();
}

const lastBound = () => waitBucketBoundsSeconds[waitBucketBoundsSeconds.length - 1] as number;
