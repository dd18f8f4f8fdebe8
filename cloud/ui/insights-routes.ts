import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import type { ModuleContext } from '../../core/index.ts';
import { addDays } from '../../core/index.ts';
import { everyBranchModules } from '../fleet/index.ts';
import { branchPlace, branchPlaces, insightsDb } from '../insights/index.ts';
import { localHour } from '../insights/local-time.ts';
import type { Database } from '../store/index.ts';
import type { User } from '../users/index.ts';
import { pickLanguage } from './index.ts';
import { assetsPath, branchPage, networkPage } from './insights-pages.ts';

const require = createRequire(import.meta.url);
const echartsFile = join(dirname(require.resolve('echarts/package.json')), 'dist/echarts.min.js');
const leafletFolder = join(dirname(require.resolve('leaflet/package.json')), 'dist');
const ownFolder = fileURLToPath(new URL('./public/', import.meta.url));
const isDay = (value: unknown): value is string =>
  typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);

/**
 * The period a page opens on: the query's, else the seven days ending on the latest local
 * date among the branches shown. Branches file their figures under their own local day, so
 * a range ending on the UTC date would leave out the day a branch east of Greenwich is in.
 */
export function openingPeriod(
  query: Request['query'],
  now: number,
  timeZones: readonly string[],
): { from: string; to: string } {
  const localDays = timeZones.map((timeZone) => localHour(timeZone, now).day);
  const latest = localDays.reduce(
    (found, day) => (day > found ? day : found),
    new Date(now).toISOString().slice(0, 10),
  );
  const to = isDay(query.to) ? query.to : latest;
  const from = isDay(query.from) ? query.from : addDays(to, -6);
  return { from, to };
}

/** The insights pages; the figures come from /api/insights, the libraries from node_modules. */
export function insightsPages(deps: { db: Kysely<Database>; context: ModuleContext }) {
  const router = express.Router();
  const cache = { maxAge: '1h' };
  router.get(`${assetsPath}/echarts.min.js`, (_request, response) =>
    response.sendFile(echartsFile, cache),
  );
  router.get(`${assetsPath}/leaflet.js`, (_request, response) =>
    response.sendFile(join(leafletFolder, 'leaflet.js'), cache),
  );
  router.get(`${assetsPath}/leaflet.css`, (_request, response) =>
    response.sendFile(join(leafletFolder, 'leaflet.css'), cache),
  );
  router.use(assetsPath, express.static(ownFolder, { index: false }));

  const page = (request: Request, response: Response, timeZones: readonly string[]) => {
    const user = response.locals.user as User | null;
    if (!user) {
      response.redirect(303, '/');
      return null;
    }
    const language = pickLanguage(request, response);
    const now = deps.context.clock.now();
    return { language, user, ...openingPeriod(request.query, now, timeZones) };
  };

  router.get('/insights', async (request, response) => {
    if (!response.locals.user) {
      response.redirect(303, '/');
      return;
    }
    const places = await branchPlaces(insightsDb(deps.db));
    const context = page(
      request,
      response,
      places.map((place) => place.timeZone),
    );
    if (context) response.type('html').send(networkPage(context));
  });

  router.get('/insights/branches/:branch', async (request, response) => {
    if (!response.locals.user) {
      response.redirect(303, '/');
      return;
    }
    const branch = await branchPlace(insightsDb(deps.db), String(request.params.branch));
    const context = page(request, response, [branch.timeZone]);
    if (!context) return;

    const modules = (await everyBranchModules(deps.db))(branch.id);
    response
      .type('html')
      .send(branchPage({ ...context, branch: branch.id, name: branch.name, modules }));
  });
  return router;
}
