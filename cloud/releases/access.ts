import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { type ModuleContext, rateLimitedWarn, SmartBranchError } from '../../core/index.ts';
import { authenticateGateway } from '../fleet/index.ts';
import type { Database } from '../store/index.ts';
import type { Role, User } from '../users/index.ts';

/** The HQ user of the session (set by the API's session loader), refused unless in `roles`. */
export function hqRole(...roles: Role[]): RequestHandler {
  return (_request, response, next) => {
    const user = response.locals.user as User | null | undefined;
    if (!user) return next(new SmartBranchError('SB_ERR_UNAUTHENTICATED', 'log in first'));
    if (!roles.includes(user.role)) {
      return next(new SmartBranchError('SB_ERR_FORBIDDEN', `role ${user.role}`));
    }

    next();
  };
}

export interface GatewayCaller {
  gateway: string;
  branch: string;
}

function basicCredentials(request: Request): { username: string; password: string } | null {
  const header = request.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return null;

  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0
    ? { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
    : null;
}

/**
 * A gateway calls with the broker credentials enrolment gave it (HTTP Basic), checked as the
 * broker checks them; the caller lands on `response.locals.gateway`.
 */
export function gatewayCaller(db: Kysely<Database>, context: ModuleContext): RequestHandler {
  const warn = rateLimitedWarn(
    context.log.child({ module: 'releases' }),
    60_000,
    context.clock.now,
  );
  return (request: Request, response: Response, next: NextFunction) => {
    const credentials = basicCredentials(request);
    const refuse = () => {
      warn(`auth:${request.ip}`, { address: request.ip }, 'release call refused: credentials');
      next(new SmartBranchError('SB_ERR_UNAUTHENTICATED', 'gateway credentials'));
    };
    if (!credentials) return refuse();

    authenticateGateway(db, credentials.username.slice(0, 64), credentials.password).then(
      (identity) => {
        if (!identity) return refuse();

        response.locals.gateway = identity satisfies GatewayCaller;
        next();
      },
      next,
    );
  };
}

/** Checks a body or query with its schema; the first issue is named by its field path. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  // An undefined body is one no parser took: sent as text/plain or a form, not JSON.
  if (value === undefined) {
    const reason = '(body): send it as application/json';
    throw new SmartBranchError('SB_ERR_INVALID_REQUEST', reason, '(body)');
  }

  const result = schema.safeParse(value);
  if (result.success) return result.data;

  const issue = result.error.issues[0];
  const extra = issue?.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [];
  const path = [...(issue?.path ?? []), ...extra].map(String).join('.') || '(body)';
  throw new SmartBranchError('SB_ERR_INVALID_REQUEST', `${path}: ${issue?.message}`, path);
}
