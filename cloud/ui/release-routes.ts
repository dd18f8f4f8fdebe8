import express, { type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { listBranches } from '../fleet/index.ts';
import { listRollouts, releaseDb, rolloutStatus } from '../releases/index.ts';
import type { Database } from '../store/index.ts';
import type { User } from '../users/index.ts';
import { escapeHtml, pageFrame } from './html.ts';
import { translator } from './i18n.ts';
import { pickLanguage } from './index.ts';
import { rolloutPage, rolloutsPage } from './release-pages.ts';

/** The roles that may follow releases, as on `/api/rollouts`. */
const readers = new Set(['admin', 'analyst']);

/** The HQ pages of gateway software releases: every rollout, and one branch by branch. */
export function releasePages(deps: { db: Kysely<Database> }) {
  const router = express.Router();
  const db = releaseDb(deps.db);

  const page = (request: Request, response: Response) => {
    const user = response.locals.user as User | null;
    if (!user) {
      response.redirect(303, '/');
      return null;
    }

    const language = pickLanguage(request, response);
    if (readers.has(user.role)) return { language, user, path: request.path };

    const t = translator(language);
    const body = `<p class="error" role="alert">${escapeHtml(t('releases.forbidden'))}</p>`;
    response
      .status(403)
      .type('html')
      .send(pageFrame({ language, title: t('title'), body }));
    return null;
  };

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
