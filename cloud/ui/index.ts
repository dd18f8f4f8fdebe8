import express, { type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import type { ModuleContext } from '../../core/index.ts';
import { cookieValue } from '../api/auth.ts';
import type { CloudConfig } from '../config.ts';
import { branchFigures } from '../fleet/index.ts';
import type { Database } from '../store/index.ts';
import type { User } from '../users/index.ts';
import { campaignPages } from './campaign-routes.ts';
import { isLanguage, type Language } from './i18n.ts';
import { insightsPages } from './insights-routes.ts';
import { branchesPage, loginPage } from './pages.ts';
import { releasePages } from './release-routes.ts';

export { campaignRolloutPage } from './campaign-pages.ts';
export { catalogues, languages } from './i18n.ts';

const languageCookie = 'sb_lang';

/** `?lang=` first (and remembered), then the cookie, then the browser's preference. */
export function pickLanguage(request: Request, response: Response): Language {
  const asked = request.query.lang;
  if (isLanguage(asked)) {
    response.cookie(languageCookie, asked, {
      sameSite: 'strict',
      path: '/',
      maxAge: 365 * 86_400_000,
    });
    return asked;
  }

  const remembered = cookieValue(request, languageCookie);
  if (isLanguage(remembered)) return remembered;
  return request.acceptsLanguages('en', 'zh') === 'zh' ? 'zh' : 'en';
}

export function uiRoutes(deps: {
  db: Kysely<Database>;
  config: CloudConfig;
  context: ModuleContext;
}) {
  const router = express.Router();

  router.get('/', async (request, response) => {
    const language = pickLanguage(request, response);
    const user = response.locals.user as User | null;
    response.type('html');
    if (!user) return response.send(loginPage(language, request.query.error === 'login'));

    const now = deps.context.clock.now();
    const branches = await branchFigures(deps.db, deps.config.fleet.offlineAfterMs, now);
    response.send(branchesPage({ language, user, branches, now }));
  });

  router.use(insightsPages(deps));
  router.use(releasePages(deps));
  router.use(campaignPages(deps));
  return router;
}
