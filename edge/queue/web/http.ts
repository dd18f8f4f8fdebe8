import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import {
  isSmartBranchError,
  issueMessage,
  SmartBranchError,
  toErrorBody,
} from '../../../core/index.ts';
import type { ScreenRegistration } from '../../../protocol/index.ts';

/** What the queue's pages need of the screens module: who a pairing token belongs to. */
export interface PairedScreens {
  verifyPlayer(token: string): { player: string; screen: ScreenRegistration } | null;
}

export type ScreenRole = ScreenRegistration['role'];

/** Parses a body, query or path parameters with its schema; the error names the field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;

  const issue = result.error.issues[0];
  // A key the schema does not know is named by the key itself, not by its parent.
  const keys = issue?.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [];
  const inner = [...(issue?.path ?? []), ...keys].map(String).join('.');
  const path = [prefix, inner].filter(Boolean).join('.') || '(root)';
  throw new SmartBranchError(
    'SB_ERR_INVALID_REQUEST',
    `${path}: ${issue ? issueMessage(issue) : 'invalid'}`,
    path,
  );
}

/** The token a paired page sends, from `Authorization: Bearer …`. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(header ?? '');
  return match?.[1] ?? null;
}

/**
 * Admits a request from a page paired to a screen of one of `roles`, and leaves the screen
 * in `res.locals.screen`; any other request is refused before it reaches the queue.
 */
export function pairedOnly(screens: PairedScreens, roles: readonly ScreenRole[]): RequestHandler {
  return (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    const paired = token ? screens.verifyPlayer(token) : null;
    if (!paired) {
      throw new SmartBranchError('SB_ERR_UNAUTHENTICATED', 'pair this page first', 'token');
    }
    if (!roles.includes(paired.screen.role)) {
      throw new SmartBranchError(
        'SB_ERR_FORBIDDEN',
        `a ${paired.screen.role} screen may not do this`,
        'token',
      );
    }

    res.locals.screen = paired.screen;
    next();
  };
}

/** Errors as `{ error: { code, message, path } }` with the catalogue's status. */
export function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction) {
  if (isSmartBranchError(err)) return void res.status(err.status).json({ error: err.toBody() });

  const status = (err as { status?: unknown }).status;
  if (status === 413) {
    return void res.status(413).json({
      error: {
        code: 'SB_ERR_PAYLOAD_TOO_LARGE',
        message: 'body over the size limit',
        path: 'body',
      },
    });
  }
  if (status === 400) {
    return void res.status(400).json({
      error: { code: 'SB_ERR_INVALID_REQUEST', message: 'body is not valid JSON', path: 'body' },
    });
  }
  res.status(500).json({ error: toErrorBody(err) });
}
