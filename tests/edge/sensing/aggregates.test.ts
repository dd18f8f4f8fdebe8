import { describe, expect, it } from 'vitest';
import {
  type AudienceRecord,
  aggregator,
  createAnalyser,
  type Detections,
  type FaceDetection,
  ZoneFile,
} from '../../../edge/sensing/index.ts';
import type { UplinkRecord } from '../../../protocol/index.ts';

type Box = [number, number, number, number];

const lineage = { model: 'movenet-multipose', modelVersion: '3.0.4', backend: 'wasm' };
const faces = { model: 'blazeface-back+faceres', modelVersion: '3.0.4', backend: 'wasm' };

// Foot point at (x + 0.04, y + 0.3): the bottom centre of a 0.08 × 0.3 box.
const person = (footX: number, footY = 0.8): Box => [footX - 0.04, footY - 0.3, 0.08, 0.3];

const square = (left: number, top: number, right: number, bottom: number) => [
  [left, top],
  [right, top],
  [right, bottom],
  [left, bottom],
];

const zones = ZoneFile.parse({
  zones: [
    { name: 'counter', kind: 'service-point', polygon: square(0, 0.6, 0.3, 1) },
    { name: 'waiting', kind: 'waiting', polygon: square(0.5, 0.6, 1, 1), screen: 'lobby-tv' },
    { name: 'pavement', kind: 'passing', polygon: square(0, 0, 1, 0.55) },
  ],
  // Walking up the frame along the line, its right is x > 0.4: crossing rightward is an entry.
  lines: [{ name: 'door', from: [0.4, 1], to: [0.4, 0] }],
});

/** A frontal face in the top of a body box, big enough to be a view. */
function faceOf(box: Box, gender: 'male' | 'female', age: number): FaceDetection {
  const [x, y, width] = box;
  const left = x + width * 0.2;
  const size = width * 0.8;
  return {
    box: [left, y, size, size],
    score: 0.9,
    keypoints: [
      [left + size * 0.3, y + size * 0.4],
      [left + size * 0.7, y + size * 0.4],
      [left + size * 0.5, y + size * 0.6],
    ],
    gender,
    genderScore: 0.9,
    age,
  };
}

interface Step {
  boxes: Box[];
  faces?: FaceDetection[];
}

/** Runs frames at `fps` through one analyser and one aggregator; returns every record. */
function run(steps: Step[], fps = 2, startMs = 0) {
  const records: AudienceRecord[] = [];
  const analyser = createAnalyser(zones, { frameSeconds: 1 / fps, history: false });
  const aggregates = aggregator({
    camera: 'cam1',
    source: 'footage',
    zones,
    frameSeconds: 1 / fps,
    record: (record) => records.push(record),
  });
  let at = startMs;
  steps.forEach((step, index) => {
    at = startMs + (index * 1000) / fps;
    const detections: Detections = {
      bodies: step.boxes.map((box) => ({ box, score: 0.6 })),
      faces: step.faces ?? [],
      ms: 0,
      faceWork: 'detect',
    };
    const outcome = analyser.frame(at / 1000, detections);
    aggregates.add(at, outcome, { people: lineage, faces });
    if (analyser.facesToDescribe().length) analyser.described(detections);
  });
  const last = analyser.finish().last;
  aggregates.add(at + 1, { ...emptyOutcome, ...last }, { people: lineage, faces });
  aggregates.flush(at + 2);
  return records;
}

const emptyOutcome = { zonePeople: {}, zoneLooking: {}, crossings: [], confidence: 1 };

const ofKind = <K extends AudienceRecord['kind']>(records: AudienceRecord[], kind: K) =>
  records
    .filter((record) => record.kind === kind)
    .map((record) => record.data as Extract<UplinkRecord, { kind: K }>['data']);

describe('minute aggregates per zone and line', () => {
  it('counts a 3-minute wait as one entry, one exit and one visit in the 2–5 minute bucket', () => {
    const walkIn = [0.2, 0.3, 0.45, 0.55, 0.6].map((x) => ({ boxes: [person(x)] }));
    const wait = [...Array(360)].map(() => ({ boxes: [person(0.7)] }));
    const records = run([...walkIn, ...wait, { boxes: [] }, { boxes: [] }, { boxes: [] }]);

    const waiting = ofKind(records, 'audience.zone-minute').filter((r) => r.zone === 'waiting');
    expect(waiting.map((minute) => minute.minute)).toEqual([0, 60_000, 120_000, 180_000]);
    expect(waiting.map((minute) => minute.entries)).toEqual([1, 0, 0, 0]);
    expect(waiting.map((minute) => minute.exits)).toEqual([0, 0, 0, 1]);
    expect(waiting[1]).toMatchObject({ occupancyMean: 1, occupancyMax: 1, frames: 120 });
    const last = waiting[3];
    expect(last?.visits).toBe(1);
    expect(last?.dwellMinutes).toEqual({ '0-2': 0, '2-5': 1, '5-10': 0, '10-20': 0, '20+': 0 });
    expect(last?.dwellSeconds['60+']).toBe(1);
    expect(last?.passersBy).toBeUndefined();
    expect(last?.lineage).toEqual(lineage);

    const door = ofKind(records, 'audience.line-minute');
    expect(door[0]).toMatchObject({ line: 'door', minute: 0, entries: 1, exits: 0 });
    expect(door.reduce((sum, minute) => sum + minute.entries + minute.exits, 0)).toBe(1);
  });

  it('counts two passers-by on the pavement, one of whom stops for 5 s', () => {
    const walker = (frame: number) => person(0.05 + frame * 0.05, 0.5);
    const steps: Step[] = [];
    for (let frame = 0; frame < 18; frame++) steps.push({ boxes: [walker(frame)] });
    steps.push({ boxes: [] }, { boxes: [] }, { boxes: [] }, { boxes: [] });
    for (let frame = 0; frame < 14; frame++) steps.push({ boxes: [person(0.5, 0.5)] });
    steps.push({ boxes: [] }, { boxes: [] }, { boxes: [] }, { boxes: [] });

    const pavement = ofKind(run(steps), 'audience.zone-minute').filter(
      (r) => r.zone === 'pavement',
    );
    expect(pavement).toHaveLength(1);
    expect(pavement[0]).toMatchObject({ zoneKind: 'passing', passersBy: 2, stops: 1, visits: 2 });
    expect(pavement[0]?.dwellMinutes).toBeUndefined();
    expect(pavement[0]?.dwellSeconds).toEqual({
      '0-5': 0,
      '5-15': 2,
      '15-30': 0,
      '30-60': 0,
      '60+': 0,
    });
  });

  it('sums attention seconds of frontal faces in the screen zone and none elsewhere', () => {
    const box = person(0.7);
    const looking = [...Array(10)].map(() => ({ boxes: [box], faces: [faceOf(box, 'male', 30)] }));
    const records = run([...looking, { boxes: [] }, { boxes: [] }, { boxes: [] }, { boxes: [] }]);
    const byZone = Object.fromEntries(
      ofKind(records, 'audience.zone-minute').map((minute) => [
        minute.zone,
        minute.attentionSeconds,
      ]),
    );
    expect(byZone).toEqual({ counter: 0, waiting: 5, pavement: 0 });
  });
});

describe('hourly demographics and flows', () => {
  it("sends no single person's age or gender: one described face is all suppressed", () => {
    const box = person(0.7);
    const views = [...Array(6)].map(() => ({ boxes: [box], faces: [faceOf(box, 'female', 30)] }));
    const records = run([...views, { boxes: [] }, { boxes: [] }, { boxes: [] }, { boxes: [] }]);
    const [waiting] = ofKind(records, 'audience.demographics-hour');
    expect(waiting).toMatchObject({
      zone: 'waiting',
      hour: 0,
      people: 1,
      k: 5,
      ages: [],
      agesUnknown: 0,
      agesSuppressed: 1,
      genders: { male: 0, female: 0, unknown: 0 },
      gendersSuppressed: 1,
      lineage: faces,
    });
  });

  it('counts six people in the hour their visit ended, by band and gender', () => {
    const steps: Step[] = [];
    for (let person6 = 0; person6 < 6; person6++) {
      const box = person(0.6 + person6 * 0.05);
      for (let frame = 0; frame < 5; frame++) {
        steps.push({ boxes: [box], faces: [faceOf(box, 'male', 40)] });
      }
      steps.push({ boxes: [] }, { boxes: [] }, { boxes: [] }, { boxes: [] });
    }
    const [hour] = ofKind(run(steps, 2, 3_600_000 * 5), 'audience.demographics-hour');
    expect(hour).toMatchObject({
      zone: 'waiting',
      hour: 3_600_000 * 5,
      people: 6,
      ages: [{ from: '35-44', to: '35-44', people: 6 }],
      agesSuppressed: 0,
      genders: { male: 6, female: 0, unknown: 0 },
      gendersSuppressed: 0,
    });
    expect(hour?.confidence).toBeCloseTo(0.9);
  });

  it('counts moves from zone to zone, and no path of anyone', () => {
    const path = [0.1, 0.1, 0.15, 0.3, 0.45, 0.6, 0.7, 0.7, 0.7];
    const records = run([
      ...path.map((x) => ({ boxes: [person(x)] })),
      { boxes: [] },
      { boxes: [] },
      { boxes: [] },
      { boxes: [] },
    ]);
    const flows = ofKind(records, 'audience.flow-hour');
    expect(flows).toHaveLength(1);
    expect(flows[0]?.flows).toEqual([{ from: 'counter', to: 'waiting', moves: 1 }]);
    // Nine frames with the walker at 0.6, five empty ones as sure as nothing seen can be.
    expect(flows[0]?.confidence).toBeCloseTo((9 * 0.6 + 5) / 14, 3);
  });
});
