import express, { type Response } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { type ModuleContext, SmartBranchError } from '../../core/index.ts';
import { Id, ReleaseOffer, ReleaseReport } from '../../protocol/index.ts';
import type { SigningKey } from '../campaigns/index.ts';
import type { Database } from '../store/index.ts';
import type { User } from '../users/index.ts';
import { type GatewayCaller, gatewayCaller, hqRole, parseInput } from './access.ts';
import { sendBundle, storeRelease, toRelease } from './bundles.ts';
import {
  createRollout,
  listRollouts,
  mayDownload,
  offerFor,
  RolloutRequest,
  recordReports,
  rolloutStatus,
} from './rollouts.ts';
import { releaseDb } from './tables.ts';

export interface ReleaseDeps {
  db: Kysely<Database>;
  context: ModuleContext;
  signingKey: SigningKey;
}

const ReleaseParams = z.strictObject({ release: Id });
const RolloutParams = z.strictObject({ rollout: Id });
const Reports = z.strictObject({ reports: z.array(ReleaseReport).min(1).max(100) });

/** Largest bundle HQ takes, in bytes: an app with prebuilt node_modules fits. */
export const maxBundleBytes = 256 * 1024 * 1024;

/**
 * HQ publishes releases to branch groups and follows them per branch; gateways ask for their
 * offer, download the bundle and report each step.
 */
export function releaseRoutes(deps: ReleaseDeps): express.Router {
  const router = express.Router();
  hqRoutes(router, deps);
  gatewayRoutes(router, deps);
  return router;
}

const userOf = (response: Response) => (response.locals.user as User).username;

async function findRelease(deps: ReleaseDeps, id: string) {
  const row = await releaseDb(deps.db)
    .selectFrom('releases')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new SmartBranchError('SB_ERR_NOT_FOUND', `release ${id}`);

  return toRelease(row);
}

function hqRoutes(router: express.Router, deps: ReleaseDeps) {
  const db = releaseDb(deps.db);
  const log = deps.context.log.child({ module: 'releases' });
  const bundleBody = express.raw({
    type: ['application/gzip', 'application/octet-stream', 'application/x-gzip'],
    limit: maxBundleBytes,
  });

  router.post('/api/releases', hqRole('admin'), bundleBody, async (request, response) => {
    if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
      throw new SmartBranchError(
        'SB_ERR_INVALID_REQUEST',
        'send the .tgz as application/gzip',
        '(body)',
      );
    }

    const stored = await storeRelease(db, request.body, userOf(response), deps.context.clock.now());
    if (stored.created) {
      log.info({ release: stored.release.id, size: stored.release.size }, 'release uploaded');
    }
    response.status(stored.created ? 201 : 200).json(stored.release);
  });

  router.get('/api/releases', hqRole('admin', 'analyst'), async (_request, response) => {
    const rows = await db
      .selectFrom('releases')
      .selectAll()
      .orderBy('created_at', 'desc')
      .execute();
    response.json({ releases: rows.map(toRelease) });
  });

  router.post('/api/releases/:release/rollouts', hqRole('admin'), async (request, response) => {
    const { release } = parseInput(ReleaseParams, request.params);
    const body = parseInput(RolloutRequest, request.body);
    const found = await findRelease(deps, release);
    const created = await createRollout(
      deps.db,
      found,
      body,
      deps.signingKey,
      userOf(response),
      deps.context.clock.now(),
    );
    log.info({ rollout: created.id, release, targets: created.targets }, 'release rollout started');
    response.status(201).json(created);
  });

  router.get('/api/rollouts', hqRole('admin', 'analyst'), async (_request, response) => {
    response.json({ rollouts: await listRollouts(db) });
  });

  router.get('/api/rollouts/:rollout', hqRole('admin', 'analyst'), async (request, response) => {
    const { rollout } = parseInput(RolloutParams, request.params);
    response.json(await rolloutStatus(db, rollout));
  });
}

function gatewayRoutes(router: express.Router, deps: ReleaseDeps) {
  const db = releaseDb(deps.db);
  const caller = gatewayCaller(deps.db, deps.context);
  const gatewayOf = (response: Response) => response.locals.gateway as GatewayCaller;

  router.get('/api/gateway/releases/offer', caller, async (_request, response) => {
    const offer = await offerFor(db, gatewayOf(response).gateway, deps.context.clock.now());
    response.json(ReleaseOffer.parse({ offer }));
  });

  router.get('/api/gateway/releases/:release/bundle', caller, async (request, response) => {
    const { release } = parseInput(ReleaseParams, request.params);
    if (!(await mayDownload(db, gatewayOf(response).gateway, release))) {
      throw new SmartBranchError('SB_ERR_NOT_FOUND', `release ${release}`);
    }

    await sendBundle(db, await findRelease(deps, release), response);
  });

  router.post('/api/gateway/releases/reports', caller, async (request, response) => {
    const { reports } = parseInput(Reports, request.body);
    const gateway = gatewayOf(response).gateway;
    const result = await recordReports(db, gateway, reports, deps.context.clock.now());
    response.json(result);
  });
}
