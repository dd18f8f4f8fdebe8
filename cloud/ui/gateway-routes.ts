import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { type Request, type Response } from 'express';
import type { Kysely } from 'kysely';
import type { ModuleContext } from '../../core/index.ts';
import type { CloudConfig } from '../config.ts';
import { gatewayHealth, listBranches } from '../fleet/index.ts';
import type { Database } from '../store/index.ts';
import { gatewayAssetsPath, gatewayPage } from './gateway-page.ts';
import { escapeHtml, pageFrame } from './html.ts';
import { translator } from './i18n.ts';
import { pageReader } from './index.ts';

/** Every HQ role that reads the branches' figures on `/api/branches`; commands stay admin's. */
const readers = new Set(['admin', 'marketer', 'analyst', 'branch-manager', 'relationship-manager']);

const ownFolder = new URL('./public/', import.meta.url);

/**
 * The browser build of the same `yaml` library the gateway reads profile files with, so a
 * profile pasted as YAML becomes the JSON the API checks, without a bundler.
 */
function yamlBrowserFolder(): string {
  const entry = createRequire(import.meta.url).resolve('yaml');
  return join(dirname(entry), '..', 'browser', 'dist');
}

/** The HQ page of one gateway: its health, and the remote commands for an admin. */
export function gatewayPages(deps: {
  db: Kysely<Database>;
  config: CloudConfig;
  context: ModuleContext;
}) {
  const router = express.Router();

  router.get(`${gatewayAssetsPath}/gateway.js`, (_request, response) =>
    response.sendFile(new URL('gateway.js', ownFolder).pathname, { maxAge: '1h' }),
  );
  router.use(`${gatewayAssetsPath}/yaml`, express.static(yamlBrowserFolder(), { maxAge: '1h' }));

  router.get('/gateways/:gateway', async (request: Request, response: Response) => {
    const reader = pageReader(request, response, readers, 'gateway.forbidden');
    if (!reader) return;

    const now = deps.context.clock.now();
    const everyGateway = await gatewayHealth(deps.db, deps.config.fleet.offlineAfterMs, now);
    const health = everyGateway.find((one) => one.gateway === request.params.gateway);
    if (!health) {
      const t = translator(reader.language);
      const body = `<p class="error" role="alert">${escapeHtml(t('gateway.unknown'))}</p>
<p><a href="/">${escapeHtml(t('nav.branches'))}</a></p>`;
      response
        .status(404)
        .type('html')
        .send(pageFrame({ language: reader.language, title: t('title'), body }));
      return;
    }

    const branch = (await listBranches(deps.db)).find((one) => one.id === health.branch);
    response
      .type('html')
      .send(gatewayPage({ ...reader, health, branchName: branch?.name ?? health.branch, now }));
  });
  return router;
}
