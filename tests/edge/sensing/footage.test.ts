import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VideoReport } from '../../../edge/sensing/index.ts';
import { footageSkipReason } from '../../support/footage.ts';
import { closeReports, reportOf, reportOfCopy } from './support/reports.ts';

afterAll(closeReports);

// The model runs once per clip and per copy, all up front in one shared cache; the tests then
// read the reports. On a busy 2-core box that takes minutes, which a hook may and a test may not.
beforeAll(async () => {
  if (footageSkipReason) return;

  await Promise.all([
    ...[
      'classroom.gif',
      'face-demographics-walking.gif',
      'people-detection.gif',
      'head-pose-face-detection-female.gif',
    ].map((name) => reportOf(name)),
    reportOfCopy('face-demographics-walking.gif', 'flipped'),
    reportOfCopy('head-pose-face-detection-female.gif', 'flipped'),
    reportOfCopy('face-demographics-walking.gif', 're-encoded', 10),
    reportOfCopy('head-pose-face-detection-female.gif', 're-encoded', 24),
  ]);
}, 900_000);

const adultBands = ['25-34', '35-44', '45-54'];

function walkers(report: VideoReport) {
  expect(report.maxPeople).toBe(2);
  expect(report.tracks).toBe(2);
  const genders = report.faces.map((face) => face.gender).sort();
  expect(genders).toHaveLength(2);
  expect(genders).toContain('male');
  expect(genders.filter((gender) => gender === 'male')).toHaveLength(1);
  expect(report.faces.every((face) => adultBands.includes(face.ageBand))).toBe(true);
}

function headPose(report: VideoReport) {
  expect(report.maxPeople).toBe(1);
  expect(report.faces.map((face) => face.gender)).toEqual(['female']);
  expect(adultBands).toContain(report.faces[0]?.ageBand);
  const turned = report.timeline.filter((f) => f.t < 0.55 || (f.t >= 1.0 && f.t < 1.45));
  expect(turned.length).toBeGreaterThan(5);
  expect(turned.every((frame) => frame.looking === 0)).toBe(true);
  expect(report.timeline.filter((f) => f.t >= 1.5).some((frame) => frame.looking === 1)).toBe(true);
  expect(report.attentionSeconds).toBeGreaterThan(0);
}

describe.skipIf(footageSkipReason)(`sense on real footage ${footageSkipReason ?? ''}`, () => {
  it('sees 4 people in classroom.gif every second, 4 tracks, nobody entering or leaving', async () => {
    const report = await reportOf('classroom.gif');
    expect(report.maxPeople).toBe(4);
    expect(report.occupancy).toEqual([4, 4, 4]);
    expect(report.tracks).toBe(4);
    expect(report.visits).toHaveLength(4);
    expect(report.visits.every((visit) => visit.dwell > 2.5)).toBe(true);
    expect(report.model.name).toBe('movenet-multipose');
    expect(report.model.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the 2 walkers on 2 tracks, the man male and the woman never male', async () => {
    walkers(await reportOf('face-demographics-walking.gif'));
  });

  it('sees people at the start of people-detection.gif and nobody at its end', async () => {
    const report = await reportOf('people-detection.gif');
    expect(report.occupancy[0]).toBeGreaterThanOrEqual(1);
    expect(report.occupancy.at(-1)).toBe(0);
  });

  it('finds the woman of the head-pose clip female, looking only while she faces the camera', async () => {
    headPose(await reportOf('head-pose-face-detection-female.gif'));
  });

  it('gives the same answers for horizontally flipped copies', async () => {
    walkers(await reportOfCopy('face-demographics-walking.gif', 'flipped'));
    headPose(await reportOfCopy('head-pose-face-detection-female.gif', 'flipped'));
  });

  it('gives the same answers for copies re-encoded to H.264 at another frame rate', async () => {
    const walking = await reportOfCopy('face-demographics-walking.gif', 're-encoded', 10);
    expect(walking.fps).toBe(10);
    walkers(walking);
    // Up to 24 fps for the head turn: a lower rate shows, at t = 1.0 s, a frame from before it.
    const turning = await reportOfCopy('head-pose-face-detection-female.gif', 're-encoded', 24);
    expect(turning.fps).toBe(15);
    headPose(turning);
  });
});
