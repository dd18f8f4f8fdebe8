import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFrames, type RawFrame } from '../../../devices/camera/index.ts';
import { type Detector, startDetector } from '../../../edge/sensing/index.ts';
import { clip, footageSkipReason } from '../../support/footage.ts';

let detector: Detector | null = null;

beforeAll(async () => {
  if (!footageSkipReason) detector = await startDetector();
}, 120_000);

afterAll(async () => {
  await detector?.close();
});

async function lastFrame(name: string, fps: number): Promise<RawFrame> {
  const stream = openFrames({ input: clip(name), width: 480, height: 270, fps });
  let last: RawFrame | null = null;
  for (let frame = await stream.next(); frame; frame = await stream.next()) last = frame;
  stream.close();
  if (!last) throw new Error(`${name} gave no frame`);
  return last;
}

const copy = (frame: RawFrame) => ({ ...frame, pixels: frame.pixels.slice() });

describe.skipIf(footageSkipReason)(`describing faces later ${footageSkipReason ?? ''}`, () => {
  it('answers what a description in the face pass answers, for the faces asked', async () => {
    const model = detector as Detector;
    // Both walkers, close to the camera at the end of the clip.
    const frame = await lastFrame('face-demographics-walking.gif', 4);
    const inPass = await model.detect(copy(frame), 'describe', 'in-pass');
    const found = await model.detect(copy(frame), 'detect', 'later');
    expect(inPass.faces.length).toBe(2);
    expect(found.faces.map((face) => face.age)).toEqual([null, null]);

    const later = await model.describeLast('later', [1, 0]);
    expect(later.bodies).toEqual([]);
    expect(later.faces.map((face) => face.box)).toEqual([found.faces[1]?.box, found.faces[0]?.box]);
    for (const [index, face] of [1, 0].entries()) {
      const expected = inPass.faces[face];
      const described = later.faces[index];
      expect(described?.gender).toBe(expected?.gender);
      expect(described?.age).toBeCloseTo(expected?.age ?? Number.NaN, 1);
      expect(described?.genderScore).toBeCloseTo(expected?.genderScore ?? Number.NaN, 2);
    }

    const one = await model.describeLast('later', [0]);
    expect(one.faces).toHaveLength(1);
    expect(one.faces[0]?.age).toBeCloseTo(inPass.faces[0]?.age ?? Number.NaN, 1);

    // An ended stream's crops are let go: nothing is left to describe.
    model.forget('later');
    expect((await model.describeLast('later', [0, 1])).faces).toEqual([]);
  }, 120_000);

  it('describes nothing for a stream whose last frame had no face pass', async () => {
    const model = detector as Detector;
    const frame = await lastFrame('head-pose-face-detection-female.gif', 4);
    await model.detect(copy(frame), 'none', 'no-faces');

    expect((await model.describeLast('no-faces', [0])).faces).toEqual([]);
    expect((await model.describeLast('never-seen')).faces).toEqual([]);
  }, 120_000);
});
