import express from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { type ModuleContext, smartbranchVersion } from '../../core/index.ts';
import { EnrolRequest, Id } from '../../protocol/index.ts';
import type { ControlPlane } from '../campaigns/index.ts';
import type { CloudConfig } from '../config.ts';
import type { Database } from '../store/index.ts';
import { benefitBook } from './benefits.ts';
import { campaignBook } from './campaigns.ts';
import { couponBook } from './coupons.ts';
import { operationsBook } from './operations.ts';
import { openApiDocument, RouteBook } from './routebook.ts';
import { userBook } from './users.ts';

export interface ControlRoutesDeps {
  db: Kysely<Database>;
  controlPlane: ControlPlane;
  config: CloudConfig;
  context: ModuleContext;
}

/**
 * The foundation's routes, described here (not mounted: auth.ts and fleet.ts serve them) so
 * the OpenAPI document and the role walk cover the whole API.
 */
function foundationBook(): RouteBook {
  const book = new RouteBook();
  const unused = async () => undefined;
  const readers = ['admin', 'marketer', 'analyst', 'branch-manager', 'relationship-manager'];
  const login = z.strictObject({ username: z.string().min(1), password: z.string().min(1) });
  const token = z.strictObject({ branch: Id, ttlMs: z.number().int().positive().optional() });
  const spec = [
    ['post', '/api/login', 'Log in; sets the session cookie', 'public', login],
    ['post', '/api/logout', 'Log out', 'public', undefined],
    [
      'post',
      '/api/enrol',
      'A gateway trades its one-time token for credentials',
      'public',
      EnrolRequest,
    ],
    ['post', '/api/enrolment-tokens', 'A one-time enrolment token for a branch', ['admin'], token],
    ['get', '/api/branches', 'Branches and their latest figures', readers, undefined],
  ] as const;
  for (const [method, path, summary, access, body] of spec) {
    book.add({
      method,
      path,
      summary,
      access: access as never,
      ...(body ? { body } : {}),
      handler: unused,
    });
  }
  return book;
}

/** Campaigns, benefits, coupons and fleet operations, and `/api/openapi.json` for all. */
export function controlRoutes(deps: ControlRoutesDeps): express.Router {
  const now = () => deps.context.clock.now();
  const plane = deps.controlPlane;
  const publicUrl = (call: { request: express.Request }) =>
    deps.config.publicUrl?.replace(/\/$/, '') ??
    `${call.request.protocol}://${call.request.get('host')}`;
  const books = [
    campaignBook(plane, now),
    benefitBook(plane, now),
    couponBook(plane, deps.context, publicUrl),
    operationsBook(plane, now),
    userBook(deps.db, now),
  ];
  const document = openApiDocument([foundationBook(), ...books], smartbranchVersion);

  const router = express.Router();
  router.get('/api/openapi.json', (_request, response) => {
    response.json(document);
  });
  for (const book of books) router.use(book.router());
  return router;
}
