import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { type ModuleContext, SmartBranchError } from '../../core/index.ts';
import { requireRole } from '../api/auth.ts';
import { parseRequest } from '../api/errors.ts';
import { type Language, translator } from '../ui/i18n.ts';
import { pickLanguage } from '../ui/index.ts';
import type { User } from '../users/index.ts';
import { auditTrail } from './audit.ts';
import { figuresCsv, leadsCsv } from './csv.ts';
import { posterFontFinder } from './fonts.ts';
import { myLeadsPage } from './pages.ts';
import { posterPdf, posterPng } from './poster.ts';
import { baseUrl, managerLink } from './public-routes.ts';
import { EraseBody, NoteBody, StaffBody, Transition } from './schema.ts';
import type { LeadsService } from './service.ts';
import { signQrToken } from './tokens.ts';
import { shareVideo } from './video.ts';

const Dimension = z.enum(['campaign', 'branch', 'assignee', 'screen', 'benefit']);
const ListQuery = z.strictObject({
  state: z.string().max(20).optional(),
  due: z.literal('today').optional(),
});
/** A form leaves empty fields empty: they mean "not given". */
const blank = (value: unknown) => (value === '' ? undefined : value);
const OutcomeForm = z.strictObject({
  to: Transition.shape.to,
  reason: z.preprocess(blank, Transition.shape.reason),
  note: z.preprocess(blank, Transition.shape.note),
  followUp: z.preprocess(
    blank,
    z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
  ),
});

const FiguresQuery = z.strictObject({
  by: Dimension.default('campaign'),
  from: z.coerce.number().int().nonnegative().optional(),
  to: z.coerce.number().int().positive().optional(),
});
const LinkBody = z.strictObject({
  branch: z.string().min(1).max(64),
  campaign: z.string().min(1).max(64).optional(),
  benefit: z.string().min(1).max(64).optional(),
  screen: z.string().min(1).max(64).optional(),
  ttlMs: z
    .number()
    .int()
    .positive()
    .max(366 * 86_400_000)
    .optional(),
});
const PosterQuery = z.strictObject({
  campaign: z.string().min(1).max(64).optional(),
  lang: z.enum(['en', 'zh']).optional(),
});
const IdParam = z.string().uuid();

const leadRoles = ['relationship-manager', 'branch-manager'] as const;
const viewerOf = (response: Response) => response.locals.user as User;
// Path parameters are checked as an object, so a refusal names the parameter.
const idOf = (request: Request) =>
  parseRequest(z.strictObject({ id: IdParam }), { id: request.params.id }).id;

/** The signed-in routes: the leads one may see, their steps, figures, exports, posters, share videos. */
export function staffLeadRoutes(leads: LeadsService, context: ModuleContext): express.Router {
  const router = express.Router();
  const dayMs = 86_400_000;
  const posterFont = posterFontFinder(
    leads.config.posterFont,
    context.log.child({ module: 'leads' }),
  );

  router.get('/api/leads', requireRole(...leadRoles), async (request, response) => {
    const query = parseRequest(ListQuery, request.query);
    const dueBy = query.due ? Math.ceil((context.clock.now() + 1) / dayMs) * dayMs : undefined;
    response.json({ leads: await leads.list(viewerOf(response), { state: query.state, dueBy }) });
  });

  router.get('/api/leads/figures', requireRole(), async (request, response) => {
    const query = parseRequest(FiguresQuery, request.query);
    const figures = await leads.figures(viewerOf(response), query.by, pick(query));
    response.json({ by: query.by, figures });
  });

  router.get('/api/leads/export.csv', requireRole(), async (request, response) => {
    const viewer = viewerOf(response);
    const scope = await leads.scopeOf(viewer);
    const query = parseRequest(FiguresQuery, request.query);
    const csv =
      scope.kind === 'leads'
        ? leadsCsv(await leads.list(viewer))
        : figuresCsv(query.by, await leads.figures(viewer, query.by, pick(query)));
    response.type('text/csv').attachment('leads.csv').send(csv);
  });

  router.get('/api/leads/audit', requireRole('admin'), async (_request, response) => {
    response.json({ audit: await auditTrail(leads.db, {}) });
  });

  router.post('/api/leads/erase', requireRole('admin'), async (request, response) => {
    const body = parseRequest(EraseBody, request.body);
    response.json({ erased: await leads.erase(body.phone) });
  });

  router.put('/api/leads/staff', requireRole('admin'), async (request, response) => {
    await leads.setStaff(parseRequest(StaffBody, request.body));
    response.status(204).end();
  });

  router.post('/api/leads/links', requireRole('admin', 'marketer'), (request, response) => {
    const body = parseRequest(LinkBody, request.body);
    const { ttlMs, ...claims } = body;
    const expiresAt = context.clock.now() + (ttlMs ?? leads.config.tokenTtlMs);
    const token = signQrToken(leads.secrets.tokenSecret, { ...claims, expiresAt });
    response.status(201).json({ token, url: `${baseUrl(leads, request)}/l/${token}`, expiresAt });
  });

  router.get(
    '/api/leads/poster.:format',
    requireRole('relationship-manager'),
    async (request, response) => {
      const { format } = parseRequest(z.strictObject({ format: z.enum(['png', 'pdf']) }), {
        format: request.params.format,
      });
      const query = parseRequest(PosterQuery, request.query);
      const staff = await leads.staffOf(viewerOf(response).id);
      if (!staff) throw new SmartBranchError('SB_ERR_FORBIDDEN', 'not on a branch staff');

      const url = managerLink(leads, request, staff, query.campaign, context.clock.now());
      if (format === 'png') return response.type('image/png').send(await posterPng(url));

      // Without a CJK font a Chinese poster would print empty boxes: it falls back to English.
      const font = posterFont();
      const language: Language = font ? pickLanguage(request, response) : 'en';
      const t = translator(language);
      const text = {
        title: query.campaign
          ? t('leads.poster.campaign', { campaign: query.campaign })
          : t('leads.poster.title'),
        invitation: t('leads.poster.scan', { manager: staff.displayName }),
      };
      response.type('application/pdf').send(await posterPdf(url, text, font));
    },
  );

  router.get(
    '/api/leads/share-video.mp4',
    requireRole('relationship-manager'),
    async (request, response) => {
      const query = parseRequest(PosterQuery, request.query);
      const staff = await leads.staffOf(viewerOf(response).id);
      if (!staff) throw new SmartBranchError('SB_ERR_FORBIDDEN', 'not on a branch staff');

      const url = managerLink(leads, request, staff, query.campaign, context.clock.now());
      const video = await shareVideo(url);
      response.type('video/mp4').setHeader('content-length', video.bytes);
      response.attachment(`${query.campaign ?? 'share'}.mp4`);
      video.stream.once('error', (error) => response.destroy(error));
      // A phone that hangs up mid-download must not leave the file open or the folder behind.
      response.once('close', () => video.stream.destroy());
      video.stream.pipe(response);
    },
  );

  router.get('/leads/mine', requireRole(...leadRoles), async (request, response) => {
    const mine = await leads.list(viewerOf(response));
    const dueOnly = request.query.due === 'today';
    const language = pickLanguage(request, response);
    const page = myLeadsPage({
      leads: mine,
      now: context.clock.now(),
      dueOnly,
      language,
      config: leads.config,
    });
    response.type('html').send(page);
  });

  // The phone page's outcome form: a plain form post, then back to the list.
  router.post('/leads/mine/:id', requireRole(...leadRoles), async (request, response) => {
    const form = parseRequest(OutcomeForm, request.body);
    const { followUp, ...step } = form;
    const followUpAt = followUp ? Date.parse(`${followUp}T09:00:00Z`) : undefined;
    await leads.step(viewerOf(response), idOf(request), {
      ...step,
      ...(followUpAt ? { followUpAt } : {}),
    });
    response.redirect(303, '/leads/mine');
  });

  router.get('/api/leads/:id', requireRole(...leadRoles), async (request, response) => {
    response.json({ lead: await leads.get(viewerOf(response), idOf(request)) });
  });

  router.post('/api/leads/:id/step', requireRole(...leadRoles), async (request, response) => {
    const step = parseRequest(Transition, request.body);
    response.json({ lead: await leads.step(viewerOf(response), idOf(request), step) });
  });

  router.post(
    '/api/leads/:id/claim',
    requireRole('relationship-manager'),
    async (request, response) => {
      await leads.claim(viewerOf(response), idOf(request));
      response.status(204).end();
    },
  );

  router.post('/api/leads/:id/notes', requireRole(...leadRoles), async (request, response) => {
    const body = parseRequest(NoteBody, request.body);
    await leads.note(viewerOf(response), idOf(request), body.note);
    response.status(201).end();
  });

  return router;
}

function pick(query: { from?: number | undefined; to?: number | undefined }) {
  return {
    ...(query.from === undefined ? {} : { from: query.from }),
    ...(query.to === undefined ? {} : { to: query.to }),
  };
}
