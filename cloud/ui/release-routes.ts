import express, { type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { listBranches } from '../fleet/index.ts';
import { listRollouts, releaseDb, rolloutStatus } from '../releases/index.ts';
import type { Database } from '../store/index.ts';
import { pageReader } from './index.ts';
import { rolloutPage, rolloutsPage } from './release-pages.ts';

/** The roles that may follow releases, as on `/api/rollouts`. */
const readers = new Set(['admin', 'analyst']);

/** The HQ pages of gateway software releases: every rollout, and one branch by branch. */
export function releasePages(deps: { db: Kysely<Database> }) {
  const router = express.Router();
  const db = releaseDb(deps.db);

  const page = (request: Request, response: Response) =>
    pageReader(request, response, readers, 'releases.forbidden');

  router.get('/releases', async (request, response) => {
    const context = page(request, response);
    if (!context) return;

    response.type('html').send(rolloutsPage({ ...context, rollouts: await listRollouts(db) }));
  });

  router.get('/releases/rollouts/:rollout', async (request, response) => {
    const context = page(request, response);
    if (!context) return;

    const rollout = await rolloutStatus(db, String(request.params.rollout));
    const branchNames = new Map(
      (await listBranches(deps.db)).map((branch) => [branch.id, branch.name]),
    );
    response.type('html').send(rolloutPage({ ...context, rollout, branchNames }));
  });
  return router;
}
