import { describe, expect, it } from 'vitest';
import {
  type AudienceRecord,
  aggregator,
  createAnalyser,
  type Detections,
  type FrameOutcome,
  lineCounter,
  type Track,
  ZoneFile,
} from '../../../edge/sensing/index.ts';
import { zonePublisher } from '../../../edge/sensing/live.ts';
import type { AudienceZoneMinute, ZoneAudience } from '../../../protocol/index.ts';

type Box = [number, number, number, number];

const lineage = { model: 'movenet-multipose', modelVersion: '3.0.4', backend: 'wasm' };
const faces = { model: 'blazeface-back+faceres', modelVersion: '3.0.4', backend: 'wasm' };
const fps = 2;

// Foot point at (footX, footY): the bottom centre of a 0.08 × 0.3 box.
const person = (footX: number, footY = 0.8): Box => [footX - 0.04, footY - 0.3, 0.08, 0.3];

const square = (left: number, top: number, right: number, bottom: number) => [
  [left, top],
  [right, top],
  [right, bottom],
  [left, bottom],
];

const before = ZoneFile.parse({
  zones: [
    { name: 'counter', kind: 'service-point', polygon: square(0, 0.6, 0.5, 1) },
    { name: 'hall', kind: 'waiting', polygon: square(0, 0, 1, 1) },
  ],
  lines: [{ name: 'door', from: [0.6, 1], to: [0.6, 0] }],
});

// The technician removes the counter, keeps the hall and draws a desk where the person stands.
const after = ZoneFile.parse({
  zones: [
    { name: 'hall', kind: 'waiting', polygon: square(0, 0, 1, 1) },
    { name: 'desk', kind: 'service-point', polygon: square(0.2, 0.6, 0.4, 1) },
  ],
  lines: [{ name: 'door', from: [0.6, 1], to: [0.6, 0] }],
});

/** One camera's analyser, aggregates and live zone messages on a clock of frames at 2 fps. */
function camera() {
  const records: AudienceRecord[] = [];
  const live: ZoneAudience[] = [];
  const analyser = createAnalyser(before, { frameSeconds: 1 / fps, history: false });
  const aggregates = aggregator({
    camera: 'cam1',
    source: 'footage',
    zones: before,
    frameSeconds: 1 / fps,
    record: (record) => records.push(record),
  });
  const publish = zonePublisher(before, 1000, (zone) => live.push(zone));
  let frame = 0;
  const outcomes: FrameOutcome[] = [];

  const step = (boxes: Box[]) => {
    const at = (frame * 1000) / fps;
    frame += 1;
    const detections: Detections = {
      bodies: boxes.map((box) => ({ box, score: 0.8 })),
      faces: [],
      ms: 0,
    };
    const outcome = analyser.frame(at / 1000, detections);
    aggregates.add(at, outcome, { people: lineage, faces });
    publish(at, outcome, 1 / fps);
    outcomes.push(outcome);
    return outcome;
  };

  const cut = () => analyser.cut();

  const swap = (zones: ZoneFile) => {
    const at = (frame * 1000) / fps;
    const ended = analyser.setZones(zones);
    aggregates.setZones(zones, ended, at);
    publish.setZones(zones);
    return ended;
  };

  return {
    records,
    live,
    outcomes,
    step,
    swap,
    cut,
    now: () => (frame * 1000) / fps,
    flush: () => aggregates.flush((frame * 1000) / fps),
  };
}

const zoneMinutes = (records: AudienceRecord[]) =>
  records
    .filter((record) => record.kind === 'audience.zone-minute')
    .map((record) => record.data as AudienceZoneMinute);

describe('zones drawn anew while a camera runs', () => {
  it('ends a visit in a removed zone where it was last seen and keeps the track', () => {
    const cam = camera();
    for (let index = 0; index < 10; index++) cam.step([person(0.3)]);
    const track = cam.outcomes[1]?.events.entered[0]?.track;
    expect(track).toBeDefined();

    const ended = cam.swap(after);
    expect(ended.visits).toEqual([
      { zone: 'counter', track, start: 0, end: 4.5, dwell: 4.5, stopped: true },
    ]);

    const next = cam.step([person(0.3)]);
    // The same track, not a new person: it enters the new desk now and stays in the hall.
    expect(next.events.entered).toEqual([{ zone: 'desk', track }]);
    expect(next.events.visits).toEqual([]);
    expect(next.zonePeople).toEqual({ hall: 1, desk: 1 });
    expect(next.people).toBe(1);

    for (let index = 0; index < 6; index++) cam.step([]);
    const visits = cam.outcomes.flatMap((outcome) => outcome.events.visits);
    expect(visits.map((visit) => [visit.zone, visit.track, visit.start, visit.end])).toEqual([
      // Seen last at 5 s and coasting through the first empty frame at 5.5 s.
      ['hall', track, 0, 5.5],
      ['desk', track, 5, 5.5],
    ]);
  });

  it('gives each zone its minute record for the frames it was watched, in the same minute', () => {
    const cam = camera();
    for (let index = 0; index < 10; index++) cam.step([person(0.3)]);
    cam.swap(after);
    for (let index = 0; index < 6; index++) cam.step([person(0.3)]);
    cam.flush();

    const byZone = Object.fromEntries(
      zoneMinutes(cam.records).map((minute) => [minute.zone, minute]),
    );
    expect(Object.keys(byZone).sort()).toEqual(['counter', 'desk', 'hall']);
    expect(byZone.counter).toMatchObject({
      minute: 0,
      frames: 10,
      entries: 1,
      visits: 1,
      occupancyMean: 1,
      zoneKind: 'service-point',
    });
    expect(byZone.desk).toMatchObject({
      minute: 0,
      frames: 6,
      entries: 1,
      visits: 0,
      occupancyMean: 1,
    });
    // The hall was kept: one visit across the change, watched on every frame.
    expect(byZone.hall).toMatchObject({ frames: 16, entries: 1, visits: 0 });

    for (let index = 0; index < 130; index++) cam.step([]);
    cam.flush();
    const later = zoneMinutes(cam.records).filter((minute) => minute.minute === 60_000);
    expect(later.map((minute) => minute.zone).sort()).toEqual(['desk', 'hall']);
  });

  it('publishes live figures of the new zones only, and a kept zone without a repeat', () => {
    const cam = camera();
    // Frames at 0, 0.5 and 1 s: the hall went out at 0 and 1 s, so 1.5 s is not due for it.
    for (let index = 0; index < 3; index++) cam.step([person(0.3)]);
    cam.swap(after);
    const seen = cam.live.length;
    cam.step([person(0.3)]);

    const sinceSwap = cam.live.slice(seen).map((zone) => [zone.zone, zone.people]);
    // The desk is new and goes out at once; the counter is gone and never goes out again.
    expect(sinceSwap).toEqual([['desk', 1]]);
    for (let index = 0; index < 6; index++) cam.step([person(0.3)]);
    expect(cam.live.slice(seen).some((zone) => zone.zone === 'counter')).toBe(false);
  });

  it('keeps the side of a line left as it was, so a crossing after the change counts', () => {
    const cam = camera();
    for (let index = 0; index < 4; index++) cam.step([person(0.5)]);
    cam.swap(after);
    const crossings = [0.55, 0.65, 0.7, 0.72].flatMap((x) => cam.step([person(x)]).crossings);
    expect(crossings.map((crossing) => [crossing.line, crossing.direction])).toEqual([
      ['door', 'in'],
    ]);
  });

  it('forgets the sides of a moved line, so nobody crosses it by the move alone', () => {
    const count = lineCounter([{ name: 'door', from: [0.6, 1], to: [0.6, 0], confirmFrames: 2 }]);
    const track = (x: number): Track => ({
      id: 4,
      box: person(x),
      firstSeen: 0,
      lastSeen: 0,
      hits: 5,
      confirmed: true,
      velocity: [0, 0],
      matched: true,
    });
    for (let frame = 0; frame < 3; frame++) expect(count(frame, [track(0.5)])).toEqual([]);

    // The line moves to the other side of the person standing still.
    count.setLines([{ name: 'door', from: [0.4, 1], to: [0.4, 0], confirmFrames: 2 }]);
    const still = [3, 4, 5].flatMap((frame) => count(frame, [track(0.5)]));
    expect(still).toEqual([]);
    const back = [6, 7, 8].flatMap((frame) => count(frame, [track(0.3)]));
    expect(back.map((crossing) => crossing.direction)).toEqual(['out']);
  });

  it('counts a line that was removed for its minute and not after', () => {
    const cam = camera();
    for (const x of [0.5, 0.5, 0.65, 0.7, 0.7]) cam.step([person(x)]);
    cam.swap({ zones: after.zones, lines: [] });
    for (let index = 0; index < 125; index++) cam.step([person(0.7)]);
    cam.flush();

    const lines = cam.records
      .filter((record) => record.kind === 'audience.line-minute')
      .map((record) => record.data as { line: string; minute: number; entries: number });
    expect(lines).toEqual([expect.objectContaining({ line: 'door', minute: 0, entries: 1 })]);
  });

  it('ends every track at a cut to the next clip, handing its visits to the next frame', () => {
    const cam = camera();
    for (let index = 0; index < 4; index++) cam.step([person(0.3), person(0.8)]);
    const [first, second] = new Set(cam.outcomes[1]?.events.entered.map((entry) => entry.track));

    cam.cut();
    // The next scene shows one other person where nobody stood: one in view, not three.
    const next = cam.step([person(0.1, 0.5)]);

    expect(next.people).toBe(1);
    expect(next.ended).toHaveLength(2);
    expect(next.events.visits.map((visit) => [visit.zone, visit.track, visit.end])).toEqual([
      ['counter', first, 1.5],
      ['hall', first, 1.5],
      ['hall', second, 1.5],
    ]);
    expect(cam.step([person(0.1, 0.5)]).ended).toEqual([]);
  });
});
