import { createRequire } from 'node:module';
import express from 'express';
import type { ModuleContext } from '../../core/index.ts';
import type { Outbox } from '../store/outbox.ts';
import { handOverSealedLead } from './handoff.ts';
import { KioskLeadOptions, kioskLeadPage, kioskLeadScript } from './page.ts';

const require = createRequire(import.meta.url);
const assets = {
  'nacl.js': require.resolve('tweetnacl/nacl-fast.min.js'),
  'sealedbox.js': require.resolve('tweetnacl-sealedbox-js/sealedbox.web.js'),
};

/**
 * The kiosk's lead capture: the page, its scripts, and the hand-off of a sealed lead to
 * the outbox. Options are checked once here; a bad one throws naming the field.
 */
export function kioskLeadRoutes(
  outbox: Outbox,
  optionsInput: unknown,
  context: ModuleContext,
): express.Router {
  const options = KioskLeadOptions.parse(optionsInput);
  const log = context.log.child({ module: 'leads' });
  const router = express.Router();
  const page = kioskLeadPage(options);

  router.get('/kiosk/lead', (_request, response) => {
    response.type('html').send(page);
  });
  router.get('/kiosk/lead/app.js', (_request, response) => {
    response.type('text/javascript').send(kioskLeadScript);
  });
  for (const [name, file] of Object.entries(assets)) {
    router.get(`/kiosk/lead/${name}`, (_request, response) => response.sendFile(file));
  }

  router.post('/kiosk/lead', express.json({ limit: '16kb' }), (request, response) => {
    const result = handOverSealedLead(outbox, request.body, context.clock.now());
    if ('error' in result) {
      log.warn({ reason: result.error }, 'kiosk lead refused');
      return response.status(400).json({
        error: { code: 'SB_ERR_INVALID_REQUEST', message: result.error, path: 'sealed' },
      });
    }

    log.info({ seq: result.seq }, 'kiosk lead queued');
    response.status(202).json({ queued: true });
  });

  return router;
}
