import { createRequire } from 'node:module';
import express from 'express';
import type { ModuleContext } from '../../core/index.ts';
import type { Outbox } from '../store/outbox.ts';
import { handOverSealedLead } from './handoff.ts';
import {
  KioskLeadOptions,
  kioskLeadPage,
  kioskLeadScript,
  kioskLeadStyle,
  sealScript,
} from './page.ts';
import { bothLanguages, type LeadLanguage, leadLanguages } from './text.ts';

const require = createRequire(import.meta.url);
const assets = {
  'nacl.js': require.resolve('tweetnacl/nacl-fast.min.js'),
  'sealedbox.js': require.resolve('tweetnacl-sealedbox-js/sealedbox.web.js'),
};

/** Who typed a lead in: the customer at a kiosk, or the technician at the desk for them. */
export type LeadOrigin = 'kiosk' | 'technician';

/**
 * What a page needs to seal a lead in the browser: the cloud's public key, the consent the
 * customer agrees to, the products by id, and the scripts that do the sealing
 * (`window.sealLead(lead, key)` gives the box in base64).
 */
export type LeadPageSettings = {
  branch: string;
  key: string;
  consentVersion: string;
  /** The consent in each language: a page seals the one it showed. */
  consentText: Record<LeadLanguage, string>;
  /** Product labels by id, in each language. */
  products: Record<string, Record<LeadLanguage, string>>;
  scripts: readonly string[];
};

export interface LeadDesk {
  /** The standalone lead page `/kiosk/lead`, the sealing scripts and its unpaired POST. */
  router: express.Router;
  settings: LeadPageSettings;
  /** Queues a sealed lead for the cloud's pull; returns its sequence, or what was wrong. */
  handOver(body: unknown, origin: LeadOrigin): { seq: number } | { error: string };
}

/**
 * The gateway's lead capture: the pages that seal a lead to the cloud's key, and the hand-off
 * of the sealed box to the outbox. Options are checked once here; a bad one throws naming
 * the field.
 */
export function kioskLeadDesk(
  outbox: Outbox,
  optionsInput: unknown,
  context: ModuleContext,
): LeadDesk {
  const options = KioskLeadOptions.parse(optionsInput);
  const log = context.log.child({ module: 'leads' });
  const handOver = (body: unknown, origin: LeadOrigin) => {
    const result = handOverSealedLead(outbox, body, context.clock.now());
    if ('error' in result) log.warn({ origin, reason: result.error }, 'lead refused');
    else log.info({ origin, seq: result.seq }, 'sealed lead queued');
    return result;
  };
  const settings: LeadPageSettings = {
    branch: options.branch,
    key: options.sealPublicKey,
    consentVersion: options.consent.version,
    consentText: bothLanguages(options.consent.text),
    products: Object.fromEntries(
      Object.entries(options.products).map(([id, label]) => [id, bothLanguages(label)]),
    ),
    scripts: ['/kiosk/lead/nacl.js', '/kiosk/lead/sealedbox.js', '/kiosk/lead/seal.js'],
  };

  return { router: leadRouter(options, handOver), settings, handOver };
}

/** The standalone lead page and its scripts, for a kiosk that shows only the form. */
export function kioskLeadRoutes(
  outbox: Outbox,
  optionsInput: unknown,
  context: ModuleContext,
): express.Router {
  return kioskLeadDesk(outbox, optionsInput, context).router;
}

function leadRouter(options: KioskLeadOptions, handOver: LeadDesk['handOver']) {
  const router = express.Router();
  const pages = { zh: kioskLeadPage(options, 'zh'), en: kioskLeadPage(options, 'en') };

  router.get('/kiosk/lead', (request, response) => {
    response.type('html').send(pages[pageLanguage(request)]);
  });
  router.get('/kiosk/lead/lead.css', (_request, response) => {
    response.type('text/css').send(kioskLeadStyle);
  });
  router.get('/kiosk/lead/app.js', (_request, response) => {
    response.type('text/javascript').send(kioskLeadScript);
  });
  router.get('/kiosk/lead/seal.js', (_request, response) => {
    response.type('text/javascript').send(sealScript);
  });
  for (const [name, file] of Object.entries(assets)) {
    router.get(`/kiosk/lead/${name}`, (_request, response) => response.sendFile(file));
  }

  router.post('/kiosk/lead', express.json({ limit: '16kb' }), (request, response) => {
    const result = handOver(request.body, 'kiosk');
    if ('error' in result) {
      return response.status(400).json({
        error: { code: 'SB_ERR_INVALID_REQUEST', message: result.error, path: 'sealed' },
      });
    }

    response.status(202).json({ queued: true });
  });

  return router;
}

/** `?lang=` first, then the browser's preference; a kiosk in a Chinese branch starts in zh. */
function pageLanguage(request: express.Request): LeadLanguage {
  const asked = request.query.lang;
  if (typeof asked === 'string' && (leadLanguages as readonly string[]).includes(asked)) {
    return asked as LeadLanguage;
  }

  return request.acceptsLanguages('zh', 'en') === 'en' ? 'en' : 'zh';
}
