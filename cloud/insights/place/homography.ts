import { SmartBranchError } from '../../../core/index.ts';

export type Point = [number, number];
/** Row-major 3×3, the last entry fixed at 1. */
export type Homography = number[];

/** Solves a square system by Gauss–Jordan elimination with partial pivoting. */
function solve(matrix: number[][], values: number[]): number[] | null {
  const size = values.length;
  const rows = matrix.map((row, index) => [...row, values[index] ?? 0]);
  for (let column = 0; column < size; column += 1) {
    let pivot = column;
    for (let row = column + 1; row < size; row += 1) {
      if (Math.abs(rows[row]?.[column] ?? 0) > Math.abs(rows[pivot]?.[column] ?? 0)) pivot = row;
    }
    const pivotRow = rows[pivot] as number[];
    if (Math.abs(pivotRow[column] ?? 0) < 1e-12) return null;

    [rows[column], rows[pivot]] = [pivotRow, rows[column] as number[]];
    const lead = pivotRow[column] ?? 1;
    for (let index = column; index <= size; index += 1)
      pivotRow[index] = (pivotRow[index] ?? 0) / lead;
    for (let row = 0; row < size; row += 1) {
      const current = rows[row] as number[];
      const factor = current[column] ?? 0;
      if (row === column || factor === 0) continue;

      for (let index = column; index <= size; index += 1) {
        current[index] = (current[index] ?? 0) - factor * (pivotRow[index] ?? 0);
      }
    }
  }
  return rows.map((row) => row[size] ?? 0);
}

/**
 * The perspective transform taking four camera pixels onto four points of the floor plan
 * (metres): the four-point calibration. Three of the points on one line cannot be solved.
 */
export function homography(pairs: ReadonlyArray<{ camera: Point; plan: Point }>): Homography {
  if (pairs.length !== 4) {
    throw new SmartBranchError('SB_ERR_INVALID_REQUEST', 'four point pairs needed', 'calibration');
  }

  const matrix: number[][] = [];
  const values: number[] = [];
  for (const { camera, plan } of pairs) {
    const [x, y] = camera;
    const [u, v] = plan;
    matrix.push([x, y, 1, 0, 0, 0, -u * x, -u * y]);
    values.push(u);
    matrix.push([0, 0, 0, x, y, 1, -v * x, -v * y]);
    values.push(v);
  }
  const solution = solve(matrix, values);
  if (!solution) {
    throw new SmartBranchError(
      'SB_ERR_INVALID_REQUEST',
      'calibration points are degenerate (three on a line?)',
      'calibration',
    );
  }
  return [...solution, 1];
}

export function project(transform: Homography, [x, y]: Point): Point {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0, i = 1] = transform;
  const w = g * x + h * y + i;
  return [(a * x + b * y + c) / w, (d * x + e * y + f) / w];
}

/** The area of a plane polygon in plan metres (shoelace): plans are flat, not spherical. */
export function planArea(polygon: readonly Point[]): number {
  let twice = 0;
  for (let index = 0; index < polygon.length; index += 1) {
    const [x1, y1] = polygon[index] as Point;
    const [x2, y2] = polygon[(index + 1) % polygon.length] as Point;
    twice += x1 * y2 - x2 * y1;
  }
  return Math.abs(twice) / 2;
}
