import { randomUUID } from 'node:crypto';
import { centroid } from '@turf/turf';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Geometry } from 'geojson';
import { z } from 'zod';
import { SmartBranchError } from '../../../core/index.ts';
import type { InsightsDb } from '../schema.ts';
import { featureLines } from './feature-lines.ts';
import { AreaRow, agesFromColumns, CompetitorRow, PoiRow, poiCategory } from './rows.ts';

export const ImportKind = z.enum(['population', 'pois', 'competitors']);
export type ImportKind = z.output<typeof ImportKind>;
export type ImportFormat = 'geojson' | 'csv';

export interface ImportProblem {
  line: number;
  path: string;
  message: string;
}

export interface ImportReport {
  id: string;
  kind: ImportKind;
  accepted: number;
  rejected: number;
  problems: ImportProblem[];
}

const schemas = { population: AreaRow, pois: PoiRow, competitors: CompetitorRow } as const;
// A report names this many bad rows at most; the count covers them all.
const problemsKept = 200;

interface Candidate {
  line: number;
  value: Record<string, unknown>;
}

function featureCandidate(kind: ImportKind, feature: unknown, line: number): Candidate {
  const { geometry, properties } = (feature ?? {}) as {
    geometry?: Geometry | null;
    properties?: Record<string, unknown> | null;
  };
  const own = properties ?? {};
  let position: number[] = [];
  try {
    position = geometry ? centroid(geometry).geometry.coordinates : [];
  } catch {
    // A broken geometry: the row check below names the missing coordinates.
  }
  const value: Record<string, unknown> = { ...own, longitude: position[0], latitude: position[1] };
  if (kind === 'pois') value.category = poiCategory(own);
  if (kind === 'population' && geometry && geometry.type !== 'Point') value.geometry = geometry;
  return { line, value };
}

function geojsonCandidates(kind: ImportKind, text: string): Candidate[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SmartBranchError('SB_ERR_INVALID_REQUEST', `not JSON: ${String(err)}`, '(body)');
  }
  const features = (parsed as { features?: unknown }).features;
  if (!Array.isArray(features)) {
    throw new SmartBranchError('SB_ERR_INVALID_REQUEST', 'no features array', 'features');
  }

  const lines = featureLines(text);
  return features.map((feature, index) => featureCandidate(kind, feature, lines[index] ?? 1));
}

function csvCandidates(kind: ImportKind, text: string): Candidate[] {
  const rows = parseCsv(text, {
    columns: true,
    info: true,
    skip_empty_lines: true,
    trim: true,
    relax_column_count: true,
  }) as Array<{ record: Record<string, string>; info: { lines: number } }>;
  return rows.map(({ record, info }) => {
    const value: Record<string, unknown> = { ...record };
    if (kind === 'population') value.ages = agesFromColumns(record);
    return { line: info.lines, value };
  });
}

/** Checks every row; the good ones are kept and each bad one is named by its line. */
export function checkRows(kind: ImportKind, format: ImportFormat, text: string) {
  const candidates = format === 'csv' ? csvCandidates(kind, text) : geojsonCandidates(kind, text);
  const good: Array<{ ordinal: number; row: z.output<(typeof schemas)[ImportKind]> }> = [];
  const problems: ImportProblem[] = [];
  for (const [index, candidate] of candidates.entries()) {
    const result = schemas[kind].safeParse(candidate.value);
    if (result.success) {
      good.push({ ordinal: index + 1, row: result.data });
      continue;
    }

    const issue = result.error.issues[0];
    problems.push({
      line: candidate.line,
      path: issue?.path.join('.') || '(row)',
      message: issue?.message ?? 'invalid',
    });
  }
  return { good, problems };
}

/**
 * The rows to store, each keyed by its place among the file's rows: a line number would not
 * do, since a minified GeoJSON file holds every feature on its first line.
 */
function rowsFor(kind: ImportKind, id: string, good: ReturnType<typeof checkRows>['good']) {
  if (kind === 'population') {
    return {
      table: 'insights_areas' as const,
      rows: good.map(({ ordinal, row }) => {
        const area = row as AreaRow;
        return {
          import_id: id,
          line: ordinal,
          year: area.year ?? null,
          longitude: area.longitude,
          latitude: area.latitude,
          geometry: area.geometry ? JSON.stringify(area.geometry) : null,
          population: area.population,
          ages: JSON.stringify(area.ages),
          income: area.income ?? null,
          customers: area.customers ?? null,
        };
      }),
    };
  }

  return {
    table: 'insights_places' as const,
    rows: good.map(({ ordinal, row }) => {
      const place = row as z.output<typeof PoiRow> & { brand?: string };
      return {
        import_id: id,
        line: ordinal,
        kind: kind === 'pois' ? 'poi' : 'competitor',
        category: kind === 'pois' ? place.category : (place.brand ?? ''),
        name: place.name,
        longitude: place.longitude,
        latitude: place.latitude,
      };
    }),
  };
}

/**
 * Imports a file of surroundings: every good row is stored, every bad one reported by its
 * line, and the report kept with the import.
 */
export async function importSurroundings(
  db: InsightsDb,
  file: { kind: ImportKind; format: ImportFormat; name: string; text: string },
  now: number,
): Promise<ImportReport> {
  const { good, problems } = checkRows(file.kind, file.format, file.text);
  const id = randomUUID();
  const { table, rows } = rowsFor(file.kind, id, good);
  await db.transaction().execute(async (trx) => {
    for (let start = 0; start < rows.length; start += 500) {
      const chunk = rows.slice(start, start + 500);
      // biome-ignore lint/suspicious/noExplicitAny: rowsFor pairs each table with its own rows
      await trx
        .insertInto(table)
        .values(chunk as any)
        .execute();
    }
    await trx
      .insertInto('insights_imports')
      .values({
        id,
        kind: file.kind,
        file_name: file.name,
        accepted: good.length,
        rejected: problems.length,
        problems: JSON.stringify(problems.slice(0, problemsKept)),
        at: now,
      })
      .execute();
  });
  return { id, kind: file.kind, accepted: good.length, rejected: problems.length, problems };
}
