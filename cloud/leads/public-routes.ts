import express, { type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { ModuleContext } from '../../core/index.ts';
import { clockStore } from '../api/rate-limit.ts';
import { pickLanguage } from '../ui/index.ts';
import { cardPage, consentText, leadFormPage, refusedPage, thanksPage } from './pages.ts';
import { qrDataUrl } from './poster.ts';
import type { LeadsService } from './service.ts';
import { checkQrToken, signQrToken } from './tokens.ts';

const FormBody = z.strictObject({
  name: z.string().trim().min(1).max(120),
  phone: z.string().trim().min(1).max(40),
  product: z.string().min(1).max(64),
  consent: z.literal('yes').optional(),
  consentVersion: z.string().min(1).max(40),
});

const TokenParam = z.string().min(10).max(1024);
const cardLifeMs = 365 * 86_400_000;

/** The page's path without its query: where the language switch points. */
const pathOf = (request: Request) => request.originalUrl.split('?')[0] ?? '/';

export function baseUrl(leads: LeadsService, request: Request): string {
  return leads.config.publicUrl ?? `${request.protocol}://${request.get('host') ?? 'localhost'}`;
}

/** The pages a phone reaches without a login: the QR form, its answer, a manager's card. */
export function publicLeadRoutes(leads: LeadsService, context: ModuleContext): express.Router {
  const router = express.Router();
  const log = context.log.child({ module: 'leads' });
  const { windowMs, perAddress, perToken } = leads.config.rateLimit;
  const refuseTooMany = (request: Request, response: Response) => {
    log.warn({}, 'lead form rate-limited');
    const language = pickLanguage(request, response);
    response
      .status(429)
      .type('html')
      .send(refusedPage(language, pathOf(request), 'limited'));
  };
  const byAddress = rateLimit({
    windowMs,
    limit: perAddress,
    store: clockStore(context.clock, windowMs),
    handler: refuseTooMany,
  });
  const byToken = rateLimit({
    windowMs,
    limit: perToken,
    store: clockStore(context.clock, windowMs),
    keyGenerator: (request) => String(request.params.token ?? ''),
    handler: refuseTooMany,
  });

  const claimsOr = (request: Request, response: Response) => {
    const token = TokenParam.safeParse(request.params.token);
    const check = token.success
      ? checkQrToken(leads.secrets.tokenSecret, token.data, context.clock.now())
      : ({ ok: false, reason: 'malformed' } as const);
    if (check.ok) return check.claims;

    log.warn({ reason: check.reason }, 'QR link refused');
    response
      .status(check.reason === 'expired' ? 410 : 400)
      .type('html')
      .send(refusedPage(pickLanguage(request, response), pathOf(request), check.reason));
    return null;
  };

  router.get('/l/:token', (request, response) => {
    const claims = claimsOr(request, response);
    if (!claims) return;

    const language = pickLanguage(request, response);
    const token = String(request.params.token);
    response.type('html').send(leadFormPage(leads.config, language, token, claims));
  });

  router.post('/l/:token', byAddress, byToken, async (request, response) => {
    const claims = claimsOr(request, response);
    if (!claims) return;

    const language = pickLanguage(request, response);
    const token = String(request.params.token);
    const again = (error: string) =>
      response
        .status(400)
        .type('html')
        .send(leadFormPage(leads.config, language, token, claims, error));
    const form = FormBody.safeParse(request.body ?? {});
    if (!form.success) return again('leads.form.missing');
    if (form.data.consent !== 'yes') return again('leads.form.noConsent');
    if (!(form.data.product in leads.config.products)) return again('leads.form.badProduct');
    if (form.data.consentVersion !== leads.config.consent.version)
      return again('leads.form.oldConsent');

    try {
      await leads.capture({
        source: claims.manager ? 'card' : 'qr',
        branch: claims.branch,
        ...(claims.campaign ? { campaign: claims.campaign } : {}),
        ...(claims.benefit ? { benefit: claims.benefit } : {}),
        ...(claims.screen ? { screen: claims.screen } : {}),
        ...(claims.manager ? { manager: claims.manager } : {}),
        product: form.data.product,
        name: form.data.name,
        phone: form.data.phone,
        consent: true,
        consentVersion: leads.config.consent.version,
        // The text in the language the form was read in: what the person agreed to.
        consentText: consentText(leads.config, language),
      });
    } catch (err) {
      if ((err as { path?: string }).path === 'phone') return again('leads.form.badPhone');
      throw err;
    }

    response.type('html').send(thanksPage(language, pathOf(request)));
  });

  router.get('/card/:userId', async (request, response) => {
    const language = pickLanguage(request, response);
    const path = pathOf(request);
    const staff = await leads.staffOf(String(request.params.userId).slice(0, 64));
    if (!staff)
      return response
        .status(404)
        .type('html')
        .send(refusedPage(language, path, 'malformed'));

    const url = managerLink(leads, request, staff, undefined, context.clock.now());
    const card = {
      name: staff.displayName,
      branch: staff.branch,
      qrDataUrl: await qrDataUrl(url),
      url,
    };
    response.type('html').send(cardPage(language, path, card));
  });

  router.get('/api/leads/seal-key', (_request, response) => {
    response.json({ publicKey: Buffer.from(leads.secrets.sealKeys.publicKey).toString('base64') });
  });
  // What a branch's kiosk shows and seals with, all of it public: the key, the consent, and
  // the products, so HQ's consent version is the one its kiosks record.
  router.get('/api/leads/kiosk-settings', (_request, response) => {
    response.json({
      sealPublicKey: Buffer.from(leads.secrets.sealKeys.publicKey).toString('base64'),
      consent: leads.config.consent,
      products: leads.config.products,
    });
  });

  return router;
}

/** A manager's tracking link: leads from it go straight to them. */
export function managerLink(
  leads: LeadsService,
  request: Request,
  staff: { userId: string; branch: string },
  campaign: string | undefined,
  now: number,
): string {
  const token = signQrToken(leads.secrets.tokenSecret, {
    branch: staff.branch,
    manager: staff.userId,
    ...(campaign ? { campaign } : {}),
    expiresAt: now + cardLifeMs,
  });
  return `${baseUrl(leads, request)}/l/${token}`;
}
