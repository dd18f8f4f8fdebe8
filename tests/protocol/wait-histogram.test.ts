import { describe, expect, it } from 'vitest';
import {
  addWaitHistogram,
  UplinkRecord,
  type WaitHistogram,
  waitBucketBoundsSeconds,
  waitBucketOf,
  waitPercentileSeconds,
} from '../../protocol/index.ts';

const histogramOf = (waitsSeconds: number[]) =>
  waitsSeconds.reduce<WaitHistogram>((histogram, wait) => {
    const bucket = waitBucketOf(wait);
    histogram[bucket] = (histogram[bucket] ?? 0) + 1;
    return histogram;
  }, {});

describe('wait histogram', () => {
  it('has bounds 15 s apart up to 5 minutes, then 30 s, 1 and 5 minutes up to 2 hours', () => {
    expect(waitBucketBoundsSeconds.slice(0, 3)).toEqual([15, 30, 45]);
    expect(waitBucketBoundsSeconds.slice(19, 22)).toEqual([300, 330, 360]);
    expect(waitBucketBoundsSeconds.slice(29, 32)).toEqual([600, 660, 720]);
    expect(waitBucketBoundsSeconds.slice(-2)).toEqual([6900, 7200]);
    expect(waitBucketBoundsSeconds).toHaveLength(68);
  });

  it('puts a wait on a bound into that bound, and one past the last into +Inf', () => {
    expect([0, 15, 15.001, 540, 7200, 7200.5].map(waitBucketOf)).toEqual([
      '15',
      '15',
      '30',
      '540',
      '7200',
      '+Inf',
    ]);
  });

  it('reads p90 of waits of 1 to 10 minutes as 9 minutes and the median as 5', () => {
    const histogram = histogramOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((minutes) => minutes * 60));

    expect(waitPercentileSeconds(histogram, 0.9)).toBe(540);
    expect(waitPercentileSeconds(histogram, 0.5)).toBe(300);
    expect(waitPercentileSeconds(histogram, 1)).toBe(600);
  });

  it('gives the upper bound of the bucket the rank falls in, by nearest rank', () => {
    // 70 waits: 63 of 20 s, 7 of 50 s. Rank 63 is the last 20 s wait, in the 30 s bucket.
    const histogram = histogramOf([...Array(63).fill(20), ...Array(7).fill(50)]);

    expect(waitPercentileSeconds(histogram, 0.9)).toBe(30);
    expect(waitPercentileSeconds(histogram, 0.91)).toBe(60);
  });

  it('reads the same p90 from two halves added up as from the whole', () => {
    const first = histogramOf([60, 120, 180, 240, 300]);
    const second = histogramOf([360, 420, 480, 540, 600]);

    const sum = addWaitHistogram(addWaitHistogram({}, first), second);

    expect(sum).toEqual(histogramOf([60, 120, 180, 240, 300, 360, 420, 480, 540, 600]));
    expect(waitPercentileSeconds(sum, 0.9)).toBe(540);
  });

  it('has no percentile for no waits, and reports waits past 2 hours as 2 hours', () => {
    expect(waitPercentileSeconds({}, 0.9)).toBeNull();
    expect(waitPercentileSeconds(histogramOf([9000]), 0.9)).toBe(7200);
  });

  it('still decodes a queue minute of an older sender, without counter or histogram', () => {
    const old = {
      seq: 1,
      at: 1,
      kind: 'queue.minute',
      data: {
        minute: 0,
        service: 'cash',
        issued: 2,
        served: 1,
        waitSecondsTotal: 30,
        waitSecondsMax: 30,
      },
    };

    expect(UplinkRecord.parse(old)).toEqual(old);
  });

  it('refuses a histogram bucket that is not one of the bounds, naming it', () => {
    const record = {
      seq: 1,
      at: 1,
      kind: 'queue.minute',
      data: {
        minute: 0,
        service: 'cash',
        counter: '3',
        issued: 0,
        served: 1,
        waitSecondsTotal: 20,
        waitSecondsMax: 20,
        waitHistogram: { '20': 1 },
      },
    };

    const parsed = UplinkRecord.safeParse(record);

    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({
      path: ['data', 'waitHistogram'],
      message: expect.stringContaining('"20"'),
    });
  });
});
