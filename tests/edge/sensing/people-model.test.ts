import { afterAll, describe, expect, it } from 'vitest';
import { peopleInFrame } from '../../../edge/sensing/index.ts';
import { footageSkipReason } from '../../support/footage.ts';
import { clipDetections, closeDetector } from './support/clip-detections.ts';

afterAll(closeDetector);

describe.skipIf(footageSkipReason)(
  `the people model on real footage ${footageSkipReason ?? ''}`,
  () => {
    it('reports the 4 seated people of classroom.gif on every sampled frame', async () => {
      const frames = await clipDetections('classroom.gif', 2);
      expect(frames).toHaveLength(6);
      expect(frames.map((frame) => peopleInFrame(frame.bodies).length)).toEqual([4, 4, 4, 4, 4, 4]);
    });

    it('reports the 2 walkers of face-demographics-walking.gif on the frames where both are in view', async () => {
      const frames = await clipDetections('face-demographics-walking.gif', 4);
      expect(frames.length).toBeGreaterThanOrEqual(10);
      expect(frames.map((frame) => peopleInFrame(frame.bodies).length)).toEqual(
        frames.map(() => 2),
      );
    });

    it('counts nobody in the empty room at the end of people-detection.gif', async () => {
      const frames = await clipDetections('people-detection.gif', 4);
      expect(peopleInFrame(frames[0]?.bodies ?? []).length).toBe(1);
      expect(frames.slice(-3).map((frame) => peopleInFrame(frame.bodies).length)).toEqual([
        0, 0, 0,
      ]);
    });
  },
);
