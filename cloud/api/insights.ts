import express, { type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { type ModuleContext, SmartBranchError } from '../../core/index.ts';
import { Id } from '../../protocol/index.ts';
import { controlDb } from '../campaigns/index.ts';
import { saveProfile } from '../fleet/index.ts';
import {
  AnomalyQuery,
  anomalies,
  BranchFilter,
  beforeAfter,
  branchPlace,
  branchPlaces,
  CameraInput,
  CatchmentRule,
  catchmentProfile,
  customerMix,
  ExternalFact,
  FiguresQuery,
  FunnelQuery,
  figures,
  flows,
  funnel,
  heatMap,
  ImportKind,
  InsightsConfig,
  type InsightsConfigInput,
  importSurroundings,
  insightsDb,
  Period,
  perSquareMetre,
  planTypes,
  readPlan,
  recommendTheme,
  recordExternalFacts,
  SeriesQuery,
  SiteInput,
  segmentsOf,
  selectBranchesByCatchment,
  series,
  setCamera,
  setPlan,
  setSite,
  setTheme,
} from '../insights/index.ts';
import type { Database } from '../store/index.ts';
import type { User } from '../users/index.ts';
import { requireRole } from './auth.ts';
import { parseRequest } from './errors.ts';
import { liveEvents } from './insights-live.ts';
import { parseQuery, sendTable } from './insights-query.ts';
import { type FigureTable, figureTables, ringRows } from './insights-tables.ts';

export interface InsightsDeps {
  db: Kysely<Database>;
  context: ModuleContext;
  insights?: InsightsConfigInput;
  /** Called when HQ accepts or overrides a branch theme, so the fleet can push it down. */
  onTheme?: (branch: string, theme: string) => Promise<void>;
}

const readers = ['admin', 'marketer', 'analyst', 'branch-manager', 'relationship-manager'] as const;
const read = requireRole(...readers);
const edit = requireRole('admin', 'analyst');
const market = requireRole('admin', 'marketer');

const BranchPeriod = z.strictObject({ from: Period.shape.from, to: Period.shape.to });
const NetworkQuery = z.strictObject({ ...BranchFilter.shape, ...BranchPeriod.shape });
const FiguresTableQuery = z.strictObject({
  ...FiguresQuery.shape,
  table: z.enum(Object.keys(figureTables) as [FigureTable, ...FigureTable[]]).default('kpis'),
});
const BeforeAfterQuery = z.strictObject({
  beforeFrom: Period.shape.from,
  beforeTo: Period.shape.to,
  afterFrom: Period.shape.from,
  afterTo: Period.shape.to,
});
const ThemeDecision = z.strictObject({
  theme: Id,
  decision: z.enum(['accepted', 'overridden']),
});
const ImportQuery = z.strictObject({
  kind: ImportKind,
  name: z.string().min(1).max(200).default('upload'),
});
const Conversions = z.strictObject({
  source: z.string().min(1).max(100),
  facts: z.array(ExternalFact).max(10_000),
});

const importTypes: Record<string, 'csv' | 'geojson'> = {
  'text/csv': 'csv',
  'application/geo+json': 'geojson',
};

export function insightsRoutes(deps: InsightsDeps): express.Router {
  const router = express.Router();
  const db = insightsDb(deps.db);
  const config = InsightsConfig.parse(deps.insights ?? {});
  const now = () => deps.context.clock.now();
  const branchParam = (request: Request) => String(request.params.branch);

  router.get('/api/insights/network', read, async (request, response) => {
    const query = parseQuery(NetworkQuery, request);
    const rows = [];
    for (const branch of await branchPlaces(db, query)) {
      const own = await figures(db, { branches: [branch.id], from: query.from, to: query.to });
      const drops = await anomalies(
        db,
        { branches: [branch.id], from: query.from, to: query.to, metric: 'footfall' },
        config.anomalies,
      );
      rows.push({
        branch: branch.id,
        name: branch.name,
        region: branch.region,
        theme: branch.theme,
        longitude: branch.longitude,
        latitude: branch.latitude,
        passersBy: own.passersBy,
        entries: own.entries,
        ticketsServed: own.queue.served,
        waitSecondsMean: own.queue.waitSecondsMean,
        waitSecondsP90: own.queue.waitSecondsP90,
        impressions: own.campaigns.reduce((sum, campaign) => sum + Number(campaign.impressions), 0),
        anomalies: drops.filter((drop) => drop.hour === null).length,
      });
    }
    sendTable(request, response, 'network', rows);
  });

  router.get('/api/insights/figures', read, async (request, response) => {
    const { table, ...query } = parseQuery(FiguresTableQuery, request);
    const found = await figures(db, query);
    sendTable(request, response, `figures-${table}`, figureTables[table](found), found);
  });

  router.get('/api/insights/series', read, async (request, response) => {
    const rows = await series(db, parseQuery(SeriesQuery, request));
    sendTable(request, response, 'series', rows);
  });

  router.get('/api/insights/funnel', read, async (request, response) => {
    const found = await funnel(db, parseQuery(FunnelQuery, request));
    const rows = found.branches.flatMap(({ branch, steps }) =>
      steps.map((step) => ({ branch, ...step })),
    );
    sendTable(request, response, 'funnel', rows, found);
  });

  router.get('/api/insights/anomalies', read, async (request, response) => {
    const rows = await anomalies(db, parseQuery(AnomalyQuery, request), config.anomalies);
    sendTable(request, response, 'anomalies', rows);
  });

  router.get('/api/insights/branches/:branch/catchment', read, async (request, response) => {
    const period = parseQuery(BranchPeriod.partial(), request);
    const profile = await catchmentProfile(db, branchParam(request));
    const to = period.to ?? new Date(now()).toISOString().slice(0, 10);
    const from = period.from ?? '0000-01-01';
    const measured = await figures(db, { branches: [profile.branch], from, to });
    const body = {
      ...profile,
      theme: recommendTheme(profile, config),
      segments: segmentsOf(profile, config),
      mix: customerMix(profile, measured.demographics),
    };
    sendTable(request, response, 'catchment', ringRows(profile), body);
  });

  router.get('/api/insights/branches/:branch/place', read, async (request, response) => {
    const period = parseQuery(BranchPeriod, request);
    const branch = branchParam(request);
    const zones = await heatMap(db, branch, period);
    const rows = zones.flatMap((zone) =>
      zone.hours.map((hour) => ({
        camera: zone.camera,
        zone: zone.zone,
        areaM2: zone.areaM2,
        ...hour,
      })),
    );
    const body = {
      zones,
      flows: await flows(db, branch, period),
      perSquareMetre: await perSquareMetre(db, branch, period),
    };
    sendTable(request, response, 'heat-map', rows, body);
  });

  router.get('/api/insights/branches/:branch/flows', read, async (request, response) => {
    const found = await flows(db, branchParam(request), parseQuery(BranchPeriod, request));
    const rows = found.links.map(({ from, to, value }) => ({ from, to, moves: value }));
    sendTable(request, response, 'flows', rows, found);
  });

  router.get('/api/insights/branches/:branch/before-after', read, async (request, response) => {
    const query = parseQuery(BeforeAfterQuery, request);
    const found = await beforeAfter(
      db,
      branchParam(request),
      { from: query.beforeFrom, to: query.beforeTo },
      { from: query.afterFrom, to: query.afterTo },
    );
    const rows = Object.entries(found.figures).map(([figure, values]) => ({ figure, ...values }));
    sendTable(request, response, 'before-after', rows, found);
  });

  router.put('/api/insights/branches/:branch/site', edit, async (request, response) => {
    await setSite(db, branchParam(request), parseRequest(SiteInput, request.body), now());
    response.status(204).end();
  });

  router.put(
    '/api/insights/branches/:branch/plan',
    edit,
    express.raw({ type: [...planTypes], limit: '5mb' }),
    async (request, response) => {
      if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
        throw new SmartBranchError(
          'SB_ERR_INVALID_REQUEST',
          `a ${planTypes.join(', ')} body`,
          '(body)',
        );
      }
      await setPlan(
        db,
        branchParam(request),
        request.get('content-type') ?? '',
        request.body,
        now(),
      );
      response.status(204).end();
    },
  );

  router.get('/api/insights/branches/:branch/plan', read, async (request, response) => {
    const plan = await readPlan(db, branchParam(request));
    // An uploaded SVG may carry script: it is shown as an image, never run as a page.
    response.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    response.type(plan.type).send(plan.image);
  });

  router.put('/api/insights/branches/:branch/cameras/:camera', edit, async (request, response) => {
    const input = parseRequest(CameraInput, request.body);
    await setCamera(db, branchParam(request), String(request.params.camera), input, now());
    response.status(204).end();
  });

  router.post('/api/insights/branches/:branch/theme', market, async (request, response) => {
    const body = parseRequest(ThemeDecision, request.body);
    const branch = (await branchPlace(db, branchParam(request))).id;
    // A branch without a location has no catchment, so nothing was recommended.
    const profile = await catchmentProfile(db, branch).catch(() => null);
    const recommended = profile ? recommendTheme(profile, config).theme : null;
    await setTheme(db, branch, body.theme, now());
    // The fleet's profile is the theme campaign targeting and the branch pages read.
    await saveProfile(controlDb(deps.db), branch, { theme: body.theme });
    const user = response.locals.user as User;
    // Keyed by branch and instant: a second decision within the same millisecond follows it.
    const last = await db
      .selectFrom('insights_theme_decisions')
      .select((eb) => eb.fn.max('at').as('at'))
      .where('branch', '=', branch)
      .executeTakeFirst();
    await db
      .insertInto('insights_theme_decisions')
      .values({
        branch,
        at: Math.max(now(), Number(last?.at ?? 0) + 1),
        theme: body.theme,
        recommended,
        decision: body.decision,
        user_id: user.id,
      })
      .execute();
    await deps.onTheme?.(branch, body.theme);
    response.json({ branch, theme: body.theme, recommended, decision: body.decision });
  });

  router.post(
    '/api/insights/imports',
    edit,
    express.text({ type: Object.keys(importTypes), limit: '20mb' }),
    async (request, response) => {
      const query = parseQuery(ImportQuery, request);
      const format = importTypes[(request.get('content-type') ?? '').split(';')[0]?.trim() ?? ''];
      if (!format || typeof request.body !== 'string') {
        throw new SmartBranchError(
          'SB_ERR_INVALID_REQUEST',
          'send text/csv or application/geo+json',
          'content-type',
        );
      }
      const report = await importSurroundings(
        db,
        { kind: query.kind, format, name: query.name, text: request.body },
        now(),
      );
      response.status(201).json(report);
    },
  );

  router.post('/api/insights/select', market, async (request, response) => {
    const rule = parseRequest(CatchmentRule, request.body);
    response.json({ branches: await selectBranchesByCatchment(db, rule, config) });
  });

  router.post('/api/insights/conversions', market, async (request, response) => {
    const body = parseRequest(Conversions, request.body);
    response.json({ added: await recordExternalFacts(deps.db, body.source, body.facts, now()) });
  });

  router.get('/api/insights/events', read, liveEvents(db, deps.context, config.livePollMs));

  return router;
}

export type { Response };
