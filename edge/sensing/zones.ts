import { z } from 'zod';
import { Id } from '../../protocol/index.ts';
import type { Box } from './detector.ts';

const Point = z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]);

export const ZoneKind = z.enum(['service-point', 'waiting', 'passing']);

export const Zone = z.strictObject({
  name: Id,
  /** service-point: visits with dwell; waiting: occupancy; passing: passers-by and stops. */
  kind: ZoneKind,
  /** Corners in frame coordinates normalized to 0..1, in order. */
  polygon: z
    .array(Point)
    .min(3)
    .max(64)
    .refine((polygon) => area(polygon) > 0, 'the corners enclose no area')
    .refine(
      (polygon) => !selfCrossing(polygon),
      'two edges cross: list the corners in order around the zone',
    ),
  /** The screen whose viewing area this is: frontal faces in it are attention. */
  screen: Id.optional(),
});

export const CountingLine = z.strictObject({
  name: Id,
  /** Crossing from the left of from→to to its right is an entry. */
  from: Point,
  to: Point,
  /** Frames a track must stay on its new side before the crossing counts. Default 2. */
  confirmFrames: z.number().int().min(1).max(50).default(2),
});

/** The zone file of one camera. */
export const ZoneFile = z
  .strictObject({
    zones: z.array(Zone).max(64).default([]),
    lines: z.array(CountingLine).max(32).default([]),
  })
  .superRefine((file, context) => {
    const seen = new Set<string>();
    const items = [
      ...file.zones.map((zone, index) => ({ name: zone.name, path: ['zones', index, 'name'] })),
      ...file.lines.map((line, index) => ({ name: line.name, path: ['lines', index, 'name'] })),
    ];
    for (const item of items) {
      if (seen.has(item.name)) {
        context.addIssue({
          code: 'custom',
          path: item.path,
          message: `name ${item.name} is used twice`,
        });
      }
      seen.add(item.name);
    }
  });

export type Zone = z.output<typeof Zone>;
export type CountingLine = z.output<typeof CountingLine>;
export type ZoneFile = z.output<typeof ZoneFile>;

/** The whole frame as one service-point zone of that name. */
export function wholeFrameZone(name: string): ZoneFile {
  const polygon: [number, number][] = [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1],
  ];
  return { zones: [{ name, kind: 'service-point', polygon }], lines: [] };
}

/** Without a zone file the `sense` command sees the whole frame as one zone named `frame`. */
export const wholeFrame: ZoneFile = wholeFrameZone('frame');

/** Where a person stands: the bottom centre of the body box. */
export function footPoint(box: Box): [number, number] {
  return [box[0] + box[2] / 2, Math.min(1, box[1] + box[3])];
}

export function boxCentre(box: Box): [number, number] {
  return [box[0] + box[2] / 2, box[1] + box[3] / 2];
}

/** The polygon's area by the shoelace formula, whatever the corners' direction. */
function area(polygon: readonly [number, number][]): number {
  let twice = 0;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i] as [number, number];
    const [xj, yj] = polygon[j] as [number, number];
    twice += xj * yi - xi * yj;
  }
  return Math.abs(twice) / 2;
}

/** Whether two edges that share no corner cross: a bow-tie counts people on the wrong side. */
function selfCrossing(polygon: readonly [number, number][]): boolean {
  const count = polygon.length;
  const edge = (index: number) =>
    [polygon[index], polygon[(index + 1) % count]] as [[number, number], [number, number]];

  for (let first = 0; first < count; first += 1) {
    for (let second = first + 2; second < count; second += 1) {
      if (first === 0 && second === count - 1) continue;
      if (segmentsCross(edge(first), edge(second))) return true;
    }
  }
  return false;
}

type Segment = [[number, number], [number, number]];

function segmentsCross([a, b]: Segment, [c, d]: Segment): boolean {
  const side = (p: [number, number], q: [number, number], r: [number, number]) =>
    Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  return side(a, b, c) * side(a, b, d) < 0 && side(c, d, a) * side(c, d, b) < 0;
}

/** Point in polygon by ray casting. */
export function inside(point: [number, number], polygon: readonly [number, number][]): boolean {
  const [x, y] = point;
  let result = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i] as [number, number];
    const [xj, yj] = polygon[j] as [number, number];
    const crosses = yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi;
    if (crosses) result = !result;
  }
  return result || coversFrame(polygon);
}

/** The whole-frame rectangle holds every point, those on the frame's edges too. */
function coversFrame(polygon: readonly [number, number][]): boolean {
  const xs = polygon.map((corner) => corner[0]);
  const ys = polygon.map((corner) => corner[1]);
  const covers = Math.min(...xs) === 0 && Math.max(...xs) === 1 && Math.min(...ys) === 0;
  return covers && Math.max(...ys) === 1 && polygon.length === 4;
}

/** Which side of a line a point is on: 1 right (inside), -1 left (outside), 0 on it. */
export function sideOf(line: CountingLine, point: [number, number]): -1 | 0 | 1 {
  const [ax, ay] = line.from;
  const [bx, by] = line.to;
  // Image y grows downward, so a positive cross product is the right-hand side of from→to.
  const cross = (bx - ax) * (point[1] - ay) - (by - ay) * (point[0] - ax);
  return cross > 0 ? 1 : cross < 0 ? -1 : 0;
}
