import { afterAll, describe, expect, it } from 'vitest';
import { openFrames } from '../../../devices/camera/index.ts';
import {
  type Detector,
  type PeopleModelName,
  peopleInFrame,
  peopleModel,
  startDetector,
} from '../../../edge/sensing/index.ts';
import { clip, footageSkipReason } from '../../support/footage.ts';

const started: Detector[] = [];

afterAll(async () => {
  await Promise.all(started.map((detector) => detector.close()));
});

async function firstClassroomFrame() {
  const stream = openFrames({ input: clip('classroom.gif'), width: 480, height: 270, fps: 1 });
  const frame = await stream.next();
  stream.close();
  if (!frame) throw new Error('classroom.gif gave no frame');
  return frame;
}

async function peopleSeenBy(name: PeopleModelName, threshold: number) {
  const detector = await startDetector({ peopleModel: name, faces: false });
  started.push(detector);
  const detections = await detector.detect(await firstClassroomFrame());
  return { detector, people: peopleInFrame(detections.bodies, threshold) };
}

describe.skipIf(footageSkipReason)(`every shipped people model ${footageSkipReason ?? ''}`, () => {
  it('runs centernet from its package through the file loader and keeps only people', async () => {
    const { detector, people } = await peopleSeenBy('centernet', 0.4);

    expect(detector.model.name).toBe('centernet');
    expect(people).toHaveLength(4);
    for (const person of people) expect(person.box[3]).toBeGreaterThan(0.1);
  });

  it('runs nanodet, whose people in the classroom score under 0.3', async () => {
    const { detector, people } = await peopleSeenBy('nanodet', 0.2);

    expect(detector.model.name).toBe('nanodet');
    expect(people.length).toBeGreaterThanOrEqual(1);
    expect(people.length).toBeLessThan(4);
  });

  it('names each model by its own weights', () => {
    const hashes = ['movenet-multipose', 'centernet', 'nanodet'].map(
      (name) => peopleModel(name as PeopleModelName).weightsSha256,
    );

    expect(new Set(hashes).size).toBe(3);
    for (const hash of hashes) expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
