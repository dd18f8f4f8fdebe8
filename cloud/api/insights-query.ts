import type { Request, Response } from 'express';
import { z } from 'zod';
import { toCsv } from '../insights/index.ts';
import { parseRequest } from './errors.ts';

const list = (value: unknown) =>
  typeof value === 'string' ? value.split(',').filter((item) => item.length > 0) : value;

/** Query-string fields that hold comma-separated lists. */
const listFields = new Set(['branches', 'metrics', 'segments']);

/**
 * A query string checked by its schema: lists split at commas, `format` taken out (it picks
 * JSON or CSV, not what is asked).
 */
export function parseQuery<S extends z.ZodType>(schema: S, request: Request): z.output<S> {
  const { format: _format, ...rest } = request.query as Record<string, unknown>;
  const value = Object.fromEntries(
    Object.entries(rest).map(([key, item]) => [key, listFields.has(key) ? list(item) : item]),
  );
  return parseRequest(schema, value);
}

export const Format = z.enum(['json', 'csv']).default('json');

/** The rows a table shows, as JSON or, with `?format=csv`, as the CSV the UI exports. */
export function sendTable(
  request: Request,
  response: Response,
  name: string,
  rows: readonly object[],
  body: unknown = { rows },
) {
  const format = parseRequest(Format, request.query.format ?? 'json');
  if (format === 'json') return response.json(body);

  response.type('text/csv; charset=utf-8');
  response.attachment(`${name}.csv`);
  response.send(toCsv(rows as ReadonlyArray<Record<string, unknown>>));
}
