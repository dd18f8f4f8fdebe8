import express, { type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import type { ModuleContext } from '../../core/index.ts';
import { cookieValue } from '../api/auth.ts';
import type { CloudConfig } from '../config.ts';
import { branchFigures } from '../fleet/index.ts';
import type { Database } from '../store/index.ts';
import type { User } from '../users/index.ts';
import { campaignPages } from './campaign-routes.ts';
import { gatewayPages } from './gateway-routes.ts';
import { escapeHtml, pageFrame } from './html.ts';
import { isLanguage, type Language, translator } from './i18n.ts';
import { insightsPages } from './insights-routes.ts';
import { branchesPage, loginPage } from './pages.ts';
import { releasePages } from './release-routes.ts';

export { campaignRolloutPage } from './campaign-pages.ts';
export { catalogues, languages } from './i18n.ts';

const languageCookie = 'sb_lang';

/** `?lang=` first (and remembered), then the cookie, then the browser's preference. */
/**
 * The reader of a signed-in HQ page with their language, or null once the response is sent:
 * a visitor without a session goes to the sign-in page, a role outside `readers` gets a 403
 * page saying `forbiddenKey` in their language.
 */
export function pageReader(
  request: Request,
  response: Response,
  readers: ReadonlySet<string>,
  forbiddenKey: string,
): { language: Language; user: User; path: string } | null {
  const user = response.locals.user as User | null;
  if (!user) {
    response.redirect(303, '/');
    return null;
  }

  const language = pickLanguage(request, response);
  if (readers.has(user.role)) return { language, user, path: request.path };

  const t = translator(language);
  const body = `<p class="error" role="alert">${escapeHtml(t(forbiddenKey))}</p>`;
  response
    .status(403)
    .type('html')
    .send(pageFrame({ language, title: t('title'), body }));
  return null;
}

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
  router.use(gatewayPages(deps));
  return router;
}
