import { describe, expect, it } from 'vitest';
import {
  CountingLine,
  createAnalyser,
  createTracker,
  type Detections,
  lineCounter,
  ZoneFile,
} from '../../../edge/sensing/index.ts';

type Box = [number, number, number, number];

const person = (x: number, y = 0.4): Box => [x, y, 0.08, 0.3];
const bodies = (...boxes: Box[]): Detections => ({
  bodies: boxes.map((box) => ({ box, score: 0.5 })),
  faces: [],
  ms: 0,
});

describe('tracker on synthetic tracks', () => {
  it('keeps the ids of two people who walk past each other', () => {
    const tracker = createTracker();
    const fps = 5;
    const idsLeftToRight: number[] = [];
    for (let frame = 0; frame <= 40; frame++) {
      const walkerA = person(0.1 + frame * 0.02);
      const walkerB = person(0.9 - frame * 0.02, 0.42);
      const tracks = tracker.update(frame / fps, [walkerA, walkerB]);
      const a = tracks.find((track) => Math.abs(track.box[0] - walkerA[0]) < 1e-9);
      if (a) idsLeftToRight.push(a.id);
    }
    expect(new Set(idsLeftToRight)).toEqual(new Set([1]));
    expect(tracker.confirmedCount()).toBe(2);
  });

  it('keeps one id across a detection gap of 1 s', () => {
    const tracker = createTracker();
    const seen: number[] = [];
    for (let frame = 0; frame < 30; frame++) {
      const t = frame / 10;
      const gap = t >= 1 && t < 2;
      const tracks = tracker.update(t, gap ? [] : [person(0.2 + t * 0.05)]);
      seen.push(...tracks.map((track) => track.id));
    }
    expect(new Set(seen)).toEqual(new Set([1]));
    expect(tracker.confirmedCount()).toBe(1);
  });

  it('never confirms a ghost seen on one frame', () => {
    const tracker = createTracker();
    tracker.update(0, [person(0.2)]);
    tracker.update(0.5, [person(0.2), person(0.7)]);
    tracker.update(1, [person(0.2)]);
    expect(tracker.confirmedCount()).toBe(1);
  });
});

describe('zones and lines on synthetic tracks', () => {
  const zones = ZoneFile.parse({
    zones: [
      {
        name: 'counter',
        kind: 'service-point',
        polygon: [
          [0, 0.6],
          [0.3, 0.6],
          [0.3, 1],
          [0, 1],
        ],
      },
      {
        name: 'waiting',
        kind: 'waiting',
        polygon: [
          [0.5, 0.6],
          [1, 0.6],
          [1, 1],
          [0.5, 1],
        ],
      },
    ],
    lines: [{ name: 'door', from: [0.4, 0], to: [0.4, 1] }],
  });

  it('gives a person standing still for five minutes one visit whose dwell is those minutes', () => {
    const analyser = createAnalyser(zones);
    for (let frame = 0; frame <= 600; frame++) analyser.frame(frame / 2, bodies(person(0.1)));
    const { visits, tracks } = analyser.finish();
    expect(tracks).toBe(1);
    expect(visits).toEqual([
      { zone: 'counter', track: 1, start: 0, end: 300, dwell: 300, stopped: true },
    ]);
  });

  it('counts a person crossing the line both ways and records the move between zones', () => {
    const analyser = createAnalyser(zones);
    const path = [0.1, 0.1, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.65, 0.55, 0.45, 0.35, 0.25, 0.15];
    const crossings = path.flatMap(
      (x, frame) => analyser.frame(frame / 2, bodies(person(x))).crossings,
    );
    expect(crossings.map((crossing) => crossing.direction)).toEqual(['out', 'in']);
    const { moves, visits } = analyser.finish();
    expect(moves).toEqual([
      { from: 'counter', to: 'waiting' },
      { from: 'waiting', to: 'counter' },
    ]);
    expect(visits.map((visit) => visit.zone)).toEqual(['counter', 'waiting', 'counter']);
  });

  it('refuses a zone file whose zone kind is unknown, naming the field', () => {
    const result = ZoneFile.safeParse({
      zones: [
        {
          name: 'a',
          kind: 'lobby',
          polygon: [
            [0, 0],
            [1, 0],
            [1, 1],
          ],
        },
      ],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['zones', 0, 'kind']);
  });

  it('refuses a bow-tie zone and one without area, naming the polygon', () => {
    const zone = (polygon: [number, number][]) => ({ name: 'desk', kind: 'waiting', polygon });
    const bowTie = ZoneFile.safeParse({
      zones: [
        zone([
          [0, 0],
          [1, 1],
          [1, 0],
          [0, 0.5],
        ]),
      ],
    });
    const flat = ZoneFile.safeParse({
      zones: [
        zone([
          [0, 0],
          [0.5, 0.5],
          [1, 1],
        ]),
      ],
    });
    const square = ZoneFile.safeParse({
      zones: [
        zone([
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 1],
        ]),
      ],
    });

    expect(bowTie.error?.issues.map((issue) => [issue.path, issue.message])).toEqual([
      [['zones', 0, 'polygon'], 'two edges cross: list the corners in order around the zone'],
    ]);
    expect(flat.error?.issues.map((issue) => issue.path)).toEqual([['zones', 0, 'polygon']]);
    expect(flat.error?.issues[0]?.message).toBe('the corners enclose no area');
    expect(square.success).toBe(true);
  });

  it('names the second of two zones or lines sharing a name', () => {
    const result = ZoneFile.safeParse({
      zones: [
        {
          name: 'desk',
          kind: 'waiting',
          polygon: [
            [0, 0],
            [1, 0],
            [1, 1],
          ],
        },
      ],
      lines: [{ name: 'desk', from: [0, 0.5], to: [1, 0.5] }],
    });

    expect(result.error?.issues.map((issue) => [issue.path, issue.message])).toEqual([
      [['lines', 0, 'name'], 'name desk is used twice'],
    ]);
  });

  it('refuses a counting line with a point outside the frame', () => {
    const result = CountingLine.safeParse({ name: 'door', from: [0, 0], to: [1.5, 1] });
    expect(result.success).toBe(false);
    expect(lineCounter([])(0, [])).toEqual([]);
  });
});
