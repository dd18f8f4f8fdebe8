import { describe, expect, it } from 'vitest';
import { CountingLine, lineCounter, type Track } from '../../../edge/sensing/index.ts';

// A door line across the frame at y = 0.5; walking from → to, its right (larger y) is inside.
const door = CountingLine.parse({ name: 'door', from: [0, 0.5], to: [1, 0.5] });

function trackAt(id: number, footY: number): Track {
  const height = 0.3;
  const box: Track['box'] = [0.4, footY - height, 0.1, height];
  return {
    id,
    box,
    firstSeen: 0,
    lastSeen: 0,
    hits: 5,
    confirmed: true,
    velocity: [0, 0],
    matched: true,
  };
}

function fieldCase(fps: number) {
  const count = lineCounter([door]);
  const tally = new Map([1, 2].map((id) => [id, { in: 0, out: 0 }]));
  for (let frame = 0; frame < 60; frame++) {
    // Track 1 stands inside; its foot point flickers outside for single frames.
    const flicker = frame === 10 || frame === 30 || frame === 50;
    const one = trackAt(1, flicker ? 0.48 : 0.56);
    // Track 2 walks from outside to inside over the 60 frames.
    const two = trackAt(2, 0.3 + (0.5 * frame) / 60);
    for (const crossing of count(frame / fps, [one, two])) {
      const counts = tally.get(crossing.track);
      if (counts) counts[crossing.direction] += 1;
    }
  }
  return tally;
}

describe('counting line with a 2-frame confirmation (field case)', () => {
  for (const fps of [5, 25]) {
    it(`counts a flickering foot point 0 in 0 out and a real walker 1 in at ${fps} fps`, () => {
      const tally = fieldCase(fps);
      expect(tally.get(1)).toEqual({ in: 0, out: 0 });
      expect(tally.get(2)).toEqual({ in: 1, out: 0 });
    });
  }

  it('counts a walker going the other way as one exit', () => {
    const count = lineCounter([door]);
    const feet = [0.7, 0.6, 0.55, 0.45, 0.4, 0.3];
    const crossings = feet.flatMap((y, frame) => count(frame, [trackAt(7, y)]));
    expect(crossings.map((crossing) => crossing.direction)).toEqual(['out']);
  });

  it('counts nothing for a track that steps over the line and straight back', () => {
    const count = lineCounter([door]);
    const feet = [0.4, 0.4, 0.6, 0.4, 0.4];
    expect(feet.flatMap((y, frame) => count(frame, [trackAt(8, y)]))).toEqual([]);
  });
});
