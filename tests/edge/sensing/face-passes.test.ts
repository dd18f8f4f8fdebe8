import { describe, expect, it } from 'vitest';
import {
  type Analyser,
  createAnalyser,
  type FaceDetection,
  liveFaceEffort,
  ZoneFile,
} from '../../../edge/sensing/index.ts';

type Box = [number, number, number, number];

const square = (left: number, top: number, right: number, bottom: number) => [
  [left, top],
  [right, top],
  [right, bottom],
  [left, bottom],
];

const zones = ZoneFile.parse({
  zones: [
    { name: 'waiting', kind: 'waiting', polygon: square(0.5, 0.5, 1, 1), screen: 'lobby-tv' },
    { name: 'counter', kind: 'service-point', polygon: square(0, 0.5, 0.45, 1) },
  ],
});

/** A person whose feet stand at (footX, 0.8), `width` of the frame wide. */
const person = (footX: number, width = 0.12): Box => [footX - width / 2, 0.3, width, 0.5];

/** A frontal face across the top of a body box, `share` of its width. */
function faceOf(box: Box, share = 0.8, gender: 'male' | 'female' = 'male'): FaceDetection {
  const size = box[2] * share;
  const left = box[0] + (box[2] - size) / 2;
  const top = box[1];
  return {
    box: [left, top, size, size],
    score: 0.9,
    keypoints: [
      [left + size * 0.3, top + size * 0.4],
      [left + size * 0.7, top + size * 0.4],
      [left + size * 0.5, top + size * 0.6],
    ],
    gender,
    genderScore: 0.9,
    age: 30,
  };
}

/**
 * Feeds frames at `fps` the way a live camera does: asks for the face work, gets faces only
 * when a pass runs, describes the faces asked for. Returns each frame's work and attention.
 */
function live(analyser: Analyser, frames: { boxes: Box[]; faces?: FaceDetection[] }[], fps = 4) {
  return frames.map((frame, index) => {
    const work = analyser.nextFaceWork();
    const faces = work === 'none' ? [] : (frame.faces ?? []);
    const bodies = frame.boxes.map((box) => ({ box, score: 0.6 }));
    const outcome = analyser.frame(index / fps, { bodies, faces, ms: 0, faceWork: work });
    const wanted = analyser.facesToDescribe();
    if (wanted.length) {
      analyser.described({
        bodies: [],
        faces: wanted.map((at) => faces[at] as FaceDetection),
        ms: 0,
      });
    }
    return { work, looking: outcome.looking, zoneLooking: outcome.zoneLooking, described: wanted };
  });
}

describe('face passes of a live camera', () => {
  it('looks every frame until her views are in, then twice a second, carrying attention', () => {
    const analyser = createAnalyser(zones, { frameSeconds: 0.25, facePassesPerSecond: 2 });
    const box = person(0.75);
    const standing = [...Array(16)].map(() => ({ boxes: [box], faces: [faceOf(box)] }));
    const gone = [...Array(6)].map(() => ({ boxes: [] }));
    const frames = live(analyser, [...standing, ...gone]);

    const passes = frames.map((frame) => frame.work);
    // Confirmed on her second frame; three views on the next three; then attention alone.
    expect(passes.slice(0, 16)).toEqual([
      'none',
      'none',
      'detect',
      'detect',
      'detect',
      'none',
      'detect',
      'none',
      'detect',
      'none',
      'detect',
      'none',
      'detect',
      'none',
      'detect',
      'none',
    ]);
    expect(frames.slice(2, 16).map((frame) => frame.described.length)).toEqual([
      1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    expect(frames.slice(2, 16).map((frame) => frame.looking)).toEqual(Array(14).fill(1));
    expect(frames[3]?.zoneLooking).toEqual({ waiting: 1 });
    // Gone: once the track ends nobody is carried as looking, and no pass runs for nobody.
    expect(frames.at(-1)).toMatchObject({ work: 'none', looking: 0 });
  });

  it('stops carrying attention when the viewer walks out of the screen zone', () => {
    const analyser = createAnalyser(zones, { frameSeconds: 0.25, facePassesPerSecond: 2 });
    const inZone = person(0.75);
    const steps = [0.75, 0.75, 0.75, 0.7, 0.6, 0.52, 0.45, 0.38, 0.3, 0.3].map((x) => {
      const box = x === 0.75 ? inZone : person(x);
      return { boxes: [box], faces: [faceOf(box)] };
    });
    const frames = live(analyser, steps);

    expect(frames.map((frame) => frame.looking)).toEqual([0, 0, 1, 1, 1, 1, 0, 0, 0, 0]);
  });

  it('looks on every frame without a rate, as the sense diagnostic does', () => {
    const analyser = createAnalyser(zones, { frameSeconds: 0.25 });
    const box = person(0.75);
    const frames = live(
      analyser,
      [...Array(8)].map(() => ({ boxes: [box], faces: [faceOf(box)] })),
    );

    expect(frames.map((frame) => frame.work)).toEqual([
      'none',
      'none',
      'detect',
      'detect',
      'detect',
      'detect',
      'detect',
      'detect',
    ]);
  });

  it('runs no pass for a person too narrow to show a face view, outside any screen zone', () => {
    const narrow = createAnalyser(zones, { frameSeconds: 0.25, facePassesPerSecond: 2 });
    const wide = createAnalyser(zones, { frameSeconds: 0.25, facePassesPerSecond: 2 });
    const far = live(
      narrow,
      [...Array(8)].map(() => ({ boxes: [person(0.2, 0.05)] })),
    );
    const near = live(
      wide,
      [...Array(8)].map(() => ({ boxes: [person(0.2, 0.12)] })),
    );

    expect(far.map((frame) => frame.work)).toEqual(Array(8).fill('none'));
    expect(near.filter((frame) => frame.work === 'detect')).toHaveLength(6);
  });
});

describe('descriptions of a live camera', () => {
  it("spends a walker's budget on faces clearly bigger than its first small ones", () => {
    const analyser = createAnalyser(zones, { frameSeconds: 0.25, demographics: liveFaceEffort });
    // Walking toward the screen in its zone (so faces are looked for on every frame): the
    // face grows 4 % a frame.
    const frames = [...Array(30)].map((_, index) => {
      const box = person(0.75, 0.1 * 1.04 ** index);
      return { boxes: [box], faces: [faceOf(box)] };
    });
    const described = live(analyser, frames)
      .map((frame, index) => (frame.described.length ? index : null))
      .filter((index) => index !== null);

    // Three first views, then only faces at least 20 % better than the worst kept, six at most.
    expect(described).toEqual([2, 3, 4, 7, 8, 9]);
  });
});
