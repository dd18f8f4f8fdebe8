import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import { type Logger, requestErrorOf, SmartBranchError, toRequestError } from '../../core/index.ts';

/** Checks a body or query with its schema; the first issue is named by its field path. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  // express leaves the body undefined when no parser took its content type: a body sent as
  // text/plain or a form is refused rather than read as an empty object.
  if (value === undefined) {
    throw new SmartBranchError(
      'SB_ERR_INVALID_REQUEST',
      '(body): send it as application/json',
      '(body)',
    );
  }

  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;

  throw requestErrorOf(result.error.issues);
}

export const notFound: RequestHandler = (request, _response, next) => {
  next(new SmartBranchError('SB_ERR_NOT_FOUND', `${request.method} ${request.path}`));
};

/**
 * Our errors as `{ error: { code, message, path } }` with their status; anything else as a
 * 500 without a trace.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, request, response, _next) => {
    const known = toRequestError(err);
    if (known.code === 'SB_ERR_INTERNAL') log.error({ err, path: request.path }, 'request failed');

    response.status(known.status).json({ error: known.toBody() });
  };
}
