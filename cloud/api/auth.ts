import express, { type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { type ModuleContext, SmartBranchError } from '../../core/index.ts';
import type { CloudConfig } from '../config.ts';
import { cloudMetrics } from '../metrics.ts';
import type { Database } from '../store/index.ts';
import {
  checkLogin,
  closeSession,
  openSession,
  type Role,
  sessionUser,
  type User,
} from '../users/index.ts';
import { parseRequest } from './errors.ts';
import { clockStore } from './rate-limit.ts';

export const sessionCookie = 'sb_session';

const LoginBody = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(200),
});

export function cookieValue(request: Request, name: string): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return null;
}

/** A browser's form wants a page back; an API client wants JSON. */
const fromForm = (request: Request) => request.is('application/x-www-form-urlencoded') !== false;

export interface AuthDeps {
  db: Kysely<Database>;
  config: CloudConfig;
  context: ModuleContext;
}

/** The user of the request's session cookie, on `response.locals.user`, or null. */
export function loadUser(deps: AuthDeps): RequestHandler {
  return async (request, response, next) => {
    const token = cookieValue(request, sessionCookie);
    response.locals.user = token
      ? await sessionUser(deps.db, token, deps.context.clock.now())
      : null;
    next();
  };
}

/** Refuses a request without a session (401) or whose role is not listed (403). */
export function requireRole(...roles: Role[]): RequestHandler {
  return (_request, response, next) => {
    const user = response.locals.user as User | null;
    if (!user) return next(new SmartBranchError('SB_ERR_UNAUTHENTICATED', 'log in first'));
    if (roles.length > 0 && !roles.includes(user.role)) {
      return next(new SmartBranchError('SB_ERR_FORBIDDEN', `role ${user.role}`));
    }

    next();
  };
}

export function authRoutes(deps: AuthDeps): express.Router {
  const router = express.Router();
  const log = deps.context.log.child({ module: 'auth' });
  const metrics = cloudMetrics(deps.context.registry);
  const secure = deps.config.publicUrl?.startsWith('https:') ?? false;

  const limiter = rateLimit({
    windowMs: deps.config.login.windowMs,
    limit: deps.config.login.attempts,
    store: clockStore(deps.context.clock, deps.config.login.windowMs),
    // Only failed logins count, so a team behind one address can still log in all day.
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_request, response) => response.locals.loginOk === true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (request, response, next) => {
      metrics.loginsFailed.inc();
      log.warn({ address: request.ip }, 'login refused: too many attempts');
      if (fromForm(request)) return response.redirect(303, '/?error=login');
      next(new SmartBranchError('SB_ERR_RATE_LIMITED', 'logins'));
    },
  });

  router.post('/api/login', limiter, async (request, response) => {
    const body = parseRequest(LoginBody, request.body);
    const user = await checkLogin(deps.db, body.username, body.password);
    if (!user) {
      metrics.loginsFailed.inc();
      log.warn({ address: request.ip }, 'login refused');
      if (fromForm(request)) return response.redirect(303, '/?error=login');
      throw new SmartBranchError('SB_ERR_UNAUTHENTICATED', 'user name or password wrong');
    }

    const ttlMs = deps.config.login.sessionTtlMs;
    const session = await openSession(deps.db, user, ttlMs, deps.context.clock.now());
    response.locals.loginOk = true;
    response.cookie(sessionCookie, session.token, {
      httpOnly: true,
      sameSite: 'strict',
      secure,
      path: '/',
      maxAge: ttlMs,
    });
    log.info({ user: user.id, role: user.role }, 'login');
    if (fromForm(request)) return response.redirect(303, '/');
    response.json({
      user: { username: user.username, role: user.role },
      expiresAt: session.expiresAt,
    });
  });

  router.post('/api/logout', async (request, response: Response) => {
    const token = cookieValue(request, sessionCookie);
    if (token) await closeSession(deps.db, token);

    response.clearCookie(sessionCookie, { httpOnly: true, sameSite: 'strict', secure, path: '/' });
    if (fromForm(request)) return response.redirect(303, '/');
    response.status(204).end();
  });

  return router;
}
