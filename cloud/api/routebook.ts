import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { SmartBranchError } from '../../core/index.ts';
import type { Role, User } from '../users/index.ts';
import { requireRole } from './auth.ts';
import { parseRequest } from './errors.ts';

type Method = 'get' | 'post' | 'put' | 'delete';

/** Who may call a route: listed roles, or anyone (`public`, e.g. content-addressed assets). */
export type Access = readonly Role[] | 'public';

/** The body a route takes besides JSON: a CSV text or raw bytes (an asset upload). */
export type BodyKind = 'json' | 'csv' | 'binary';

export interface Call<B, Q> {
  body: B;
  query: Q;
  params: Record<string, string>;
  user: User | null;
  request: Request;
  response: Response;
}

export interface RouteSpec<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: Method;
  /** Express path, e.g. `/api/campaigns/:id`. */
  path: string;
  summary: string;
  access: Access;
  body?: B;
  bodyKinds?: readonly BodyKind[];
  query?: Q;
  /** Status of a successful answer. Default 200. */
  status?: number;
  /** Returns the JSON answer; a handler that answers itself returns undefined. */
  handler(call: Call<z.output<B>, z.output<Q>>): Promise<unknown>;
}

const binaryLimit = '200mb';
const noQuery = z.strictObject({});
const csvLimit = '5mb';

/**
 * Routes declared once, with their roles and zod schemas: the same declaration mounts the
 * express route (roles checked, body and query parsed) and writes its OpenAPI operation.
 */
export class RouteBook {
  readonly routes: RouteSpec[] = [];

  add<B extends z.ZodType, Q extends z.ZodType>(spec: RouteSpec<B, Q>): void {
    this.routes.push(spec as unknown as RouteSpec);
  }

  router(): express.Router {
    const router = express.Router();
    for (const spec of this.routes) router[spec.method](spec.path, ...handlers(spec));
    return router;
  }
}

function handlers(spec: RouteSpec): express.RequestHandler[] {
  const guard: express.RequestHandler =
    spec.access === 'public' ? (_request, _response, next) => next() : requireRole(...spec.access);
  const parsers: express.RequestHandler[] = [];
  if (spec.bodyKinds?.includes('csv')) {
    parsers.push(express.text({ type: ['text/csv', 'text/plain'], limit: csvLimit }));
  }
  if (spec.bodyKinds?.includes('binary')) {
    parsers.push(express.raw({ type: () => true, limit: binaryLimit }));
  }

  const run: express.RequestHandler = async (request, response) => {
    // A route without a query schema takes no query: a parameter it would ignore is refused.
    const query = parseRequest(spec.query ?? noQuery, request.query);
    const takesJson =
      spec.body !== undefined && typeof request.body !== 'string' && !Buffer.isBuffer(request.body);
    const body = takesJson ? parseRequest(spec.body as z.ZodType, request.body) : request.body;
    const user = (response.locals.user as User | null) ?? null;
    const answer = await spec.handler({
      body,
      query,
      params: request.params as Record<string, string>,
      user,
      request,
      response,
    });
    if (answer !== undefined) response.status(spec.status ?? 200).json(answer);
  };
  return [guard, ...parsers, run];
}

/** A path parameter checked by a schema, named in the error when it fails. */
export function param<S extends z.ZodType>(call: Call<unknown, unknown>, name: string, schema: S) {
  const result = schema.safeParse(call.params[name]);
  if (!result.success) {
    throw new SmartBranchError('SB_ERR_INVALID_REQUEST', `${name}: invalid`, name);
  }

  return result.data as z.output<S>;
}

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        path: { type: 'string' },
      },
      required: ['code', 'message'],
    },
  },
};

/** The OpenAPI 3.1 document of every route in the books, generated from their schemas. */
export function openApiDocument(books: readonly RouteBook[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of books.flatMap((book) => book.routes)) {
    const path = spec.path.replace(/:([A-Za-z][A-Za-z0-9]*)/g, '{$1}');
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[spec.method] = operation(spec);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'SmartBranch cloud API', version },
    components: {
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'sb_session' } },
      schemas: { Error: errorSchema },
    },
    paths,
  };
}

const jsonSchema = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });

function operation(spec: RouteSpec) {
  const pathParams = [...spec.path.matchAll(/:([A-Za-z]+)/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  const query = spec.query ? jsonSchema(spec.query) : null;
  const queryParams = Object.entries((query?.properties ?? {}) as Record<string, unknown>).map(
    ([name, schema]) => ({
      name,
      in: 'query',
      required: ((query?.required as string[] | undefined) ?? []).includes(name),
      schema,
    }),
  );
  const content: Record<string, unknown> = {};
  if (spec.body) content['application/json'] = { schema: jsonSchema(spec.body) };
  if (spec.bodyKinds?.includes('csv')) content['text/csv'] = { schema: { type: 'string' } };
  if (spec.bodyKinds?.includes('binary'))
    content['application/octet-stream'] = { schema: { type: 'string', format: 'binary' } };
  const error = {
    description: 'refused',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };

  return {
    summary: spec.summary,
    'x-roles': spec.access,
    ...(spec.access === 'public' ? { security: [] } : { security: [{ session: [] }] }),
    parameters: [...pathParams, ...queryParams],
    ...(Object.keys(content).length > 0 ? { requestBody: { required: true, content } } : {}),
    responses: {
      [String(spec.status ?? 200)]: { description: 'done' },
      '400': error,
      ...(spec.access === 'public' ? {} : { '401': error, '403': error }),
    },
  };
}
