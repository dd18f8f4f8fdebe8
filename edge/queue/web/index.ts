/**
 * The queue's web surfaces: a kiosk page and a "now serving" board served by the gateway,
 * paired once through the screens module, live over socket.io; and the technician's REST
 * API for counters, tickets and appointments behind the gateway's login.
 */

import type http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler } from 'express';
import { type ModuleContext, packageFolder, SmartBranchError } from '../../../core/index.ts';
import { Id } from '../../../protocol/index.ts';
import type { Bus } from '../../bus/index.ts';
import type { Queue, QueueConfig } from '../index.ts';
import { errorHandler, type PairedScreens, parse } from './http.ts';
import { pageStrings } from './i18n.ts';
import { type KioskSetting, kioskRoutes, type LeadCounter } from './kiosk.ts';
import { startLive } from './live.ts';
import { type PageKind, pagePolicy, pageShell } from './pages.ts';
import { technicianRoutes } from './rest.ts';

export type { PairedScreens } from './http.ts';
export { type PageLanguage, pageStrings } from './i18n.ts';
export { KioskSetting, type LeadCounter } from './kiosk.ts';
export { liveNamespace, liveSocketPath } from './live.ts';

export interface QueueWebOptions {
  queue: Queue;
  /** The queue's parsed config: service and counter names for the pages. */
  config: QueueConfig;
  bus: Bus;
  /** The screens module (its `verifyPlayer`): pairing and tokens are its own. */
  screens: PairedScreens;
  /** Admits a request with a technician session (the gateway's `web.guard`). */
  guard: RequestHandler;
  branchName: string;
  /** Kiosk screens that print their tickets. Default: none prints. */
  kiosks?: readonly KioskSetting[];
  /**
   * Where a lead left at the kiosk after an advisory ticket goes, asked at each use (the
   * leads module may stop while the queue runs). Absent or null: no offer.
   */
  leads?: () => LeadCounter | null;
}

export interface QueueWeb {
  /** Pages, their files, the paired kiosk API and the technician API, under /queue. */
  readonly router: express.Router;
  /** socket.io at `/queue/socket.io`, namespace `/live`, on the gateway's HTTP server. */
  attach(server: http.Server): void;
  stop(): Promise<void>;
}

const publicFolder = fileURLToPath(new URL('./public/', import.meta.url));
const socketClient = join(packageFolder('socket.io-client'), 'dist', 'socket.io.min.js');
const pageKinds: readonly string[] = ['kiosk', 'board'] satisfies PageKind[];

export async function queueWeb(
  options: QueueWebOptions,
  context: ModuleContext,
): Promise<QueueWeb> {
  const log = context.log.child({ module: 'queue-web' });
  const { config } = options;
  const live = await startLive({
    bus: options.bus,
    screens: options.screens,
    clock: context.clock,
    log,
    state: () => options.queue.state(),
    hello: (screen) => ({
      screen,
      branchName: options.branchName,
      services: config.services.map(({ id, name, prefix, advisory }) => ({
        id,
        name,
        prefix,
        ...(advisory ? { advisory } : {}),
      })),
      counters: config.counters.map(({ id, name }) => ({ id, name })),
      ...leadSettings(options),
    }),
  });

  const router = express.Router();
  router.get('/queue/:kind/:screen', (req, res, next) => {
    const kind = req.params.kind as PageKind;
    if (!pageKinds.includes(kind)) return next();

    const screen = parse(Id, req.params.screen, 'screen');
    res.setHeader('Content-Security-Policy', pagePolicy);
    const scripts = kind === 'kiosk' ? (options.leads?.()?.settings.scripts ?? []) : [];
    res.type('html').send(pageShell(kind, screen, options.branchName, scripts));
  });
  router.get('/queue/static/socket.io.min.js', (_req, res) => void res.sendFile(socketClient));
  router.get('/queue/static/i18n.json', (_req, res) => void res.json(pageStrings));
  router.use('/queue/static', express.static(publicFolder, { fallthrough: false }));
  const kiosk = {
    ...options,
    kiosks: options.kiosks ?? [],
    leads: () => options.leads?.() ?? null,
  };
  router.use('/queue/device', kioskRoutes({ ...kiosk, log }));
  router.use('/queue/api', technicianRoutes(options.queue, options.guard));
  router.use('/queue', (_req, _res, next) =>
    next(new SmartBranchError('SB_ERR_NOT_FOUND', 'no such queue route')),
  );
  router.use('/queue', errorHandler);
  log.info({ kiosks: options.kiosks?.length ?? 0 }, 'queue web started');

  return { router, attach: (server) => live.attach(server), stop: () => live.stop() };
}

function leadSettings(options: QueueWebOptions) {
  const leads = options.leads?.();
  return leads ? { leads: leads.settings } : {};
}
