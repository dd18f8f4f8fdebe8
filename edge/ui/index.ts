/**
 * The technician's gateway UI: a login for the branch's technicians, the overview, devices,
 * cameras and zones, the queue console, screens, logs and pairing, in English and Chinese,
 * and the web server other modules (screens, automation) mount their routes on.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { z } from 'zod';
import {
  isCrossSiteRequest,
  isPasswordHash,
  type ModuleContext,
  SmartBranchError,
  toRequestError,
  verifyPassword,
} from '../../core/index.ts';
import { type ApiContext, type TechnicianParts, technicianApi } from './api.ts';
import { healthReader } from './health.ts';
import { type Language, pickLanguage } from './i18n.ts';
import { sectionPath, styles } from './pages/layout.ts';
import { sectionPages } from './pages/sections.ts';
import { loginPage, overviewPage } from './pages/technician.ts';
import { cookieValue, sessionStore } from './sessions.ts';

export { type Alert, type AlertBoard, alertBoard } from './alerts.ts';
export type { TechnicianParts } from './api.ts';
export { type CameraDesk, cameraDesk, camerasWithZones } from './cameras.ts';
export {
  type DeviceConsole,
  deviceConsole,
  hashedLogins,
  storedBusProfiles,
  storedProfiles,
} from './devices.ts';
export { withoutSecrets } from './diagnostics.ts';
export { catalogues } from './i18n.ts';
export { captureLogs, type LogLine, type LogRing } from './logs.ts';

export const Technician = z.strictObject({
  username: z.string().min(1).max(64),
  /** An scrypt hash from `smartbranch hash-password`. */
  password: z.string().refine(isPasswordHash, 'must be an scrypt hash (smartbranch hash-password)'),
});

export type Technician = z.output<typeof Technician>;

export interface GatewayHttpOptions {
  host: string;
  port: number;
  technicians: readonly Technician[];
  /** The overview's figures; any JSON the overview page knows how to show. */
  status: () => unknown;
  metrics: () => Promise<string>;
  /** Whether the gateway can serve: its store answers and its bus is up. Default: always. */
  ready?: () => boolean;
  /** Session lifetime in milliseconds. Default eight hours, one shift. */
  sessionTtlMs?: number;
  /** The data folder, whose disk the overview reports. Default the working folder. */
  dataDir?: string;
}

export interface GatewayHttp {
  url: string;
  server: http.Server;
  close(): Promise<void>;
}

/**
 * The gateway's web surface before it listens: other modules mount their routers on it and
 * protect their technician routes with `guard`, then `listen` opens the port.
 */
export interface GatewayWeb {
  /** Admits a request with a technician session; refuses others with 401 or the login page. */
  guard: express.RequestHandler;
  /** The HTTP server, made now so modules can attach to it (websockets) before it listens. */
  server: http.Server;
  /** The technician of the session a Cookie header names, or null. */
  sessionUser(cookieHeader: string | undefined): string | null;
  mount(router: express.Router): void;
  /** Hands the technician pages the modules they drive; `undefined` takes one away. */
  attach(parts: { [K in keyof TechnicianParts]?: TechnicianParts[K] | undefined }): void;
  listen(): Promise<GatewayHttp>;
}

const cookieName = 'sb_gateway_session';
const assets = fileURLToPath(new URL('./assets/', import.meta.url));
// The gateway serves plain HTTP on the branch's LAN: a policy that upgrades its own requests
// to https would break every script and form on a page opened at a LAN address.
const strict = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
// Node-RED's editor runs inline scripts and workers: it gets the other headers, not the CSP.
const forEditor = helmet({ contentSecurityPolicy: false });

/** A local path to return to after the login; anything else goes to the overview. */
const localPath = (value: unknown) =>
  typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : '/';

/** The gateway's web surface: technician pages behind a login, metrics, mounted modules. */
export function gatewayWeb(options: GatewayHttpOptions, context: ModuleContext): GatewayWeb {
  const log = context.log.child({ module: 'ui' });
  const sessions = sessionStore(context.clock, options.sessionTtlMs ?? 8 * 3600_000);
  const app = express();
  const server = http.createServer(app);
  const parts: TechnicianParts = { gateway: 'gateway', config: {} };

  app.disable('x-powered-by');
  app.use((req, res, next) => (req.path.startsWith('/flows') ? forEditor : strict)(req, res, next));
  app.use(express.urlencoded({ extended: false, limit: '8kb' }));
  app.get('/assets/style.css', (_req, res) => void res.type('text/css').send(styles));
  app.use('/assets', express.static(assets, { fallthrough: false }));
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', (_req, res) => {
    const ready = safely(options.ready ?? (() => true));
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready' });
  });
  app.get(
    '/metrics',
    async (_req, res) => void res.type('text/plain').send(await options.metrics()),
  );

  const sessionUser = (header: string | undefined) =>
    sessions.find(cookieValue(header, cookieName))?.username ?? null;
  const language = (req: Request): Language =>
    pickLanguage(req.query.lang, req.headers['accept-language']);

  app.get(
    '/login',
    (req, res) => void res.send(loginPage(language(req), false, localPath(req.query.next))),
  );
  app.post('/login', rateLimit({ windowMs: 60_000, limit: 10 }), async (req, res) => {
    const { username, password } = req.body as Record<string, string | undefined>;
    const technician = options.technicians.find((entry) => entry.username === username);
    const ok = technician && (await verifyPassword(password ?? '', technician.password));
    const next = localPath(req.query.next);
    if (!ok) {
      log.warn({ username }, 'technician login refused');
      return void res.status(401).send(loginPage(language(req), true, next));
    }

    const id = sessions.open(technician.username);
    log.info({ username }, 'technician logged in');
    res.cookie(cookieName, id, { httpOnly: true, sameSite: 'strict', path: '/' });
    res.redirect(303, next === '/' ? `/?lang=${language(req)}` : next);
  });
  app.post('/logout', (req, res) => {
    sessions.close(cookieValue(req.headers.cookie, cookieName));
    res.clearCookie(cookieName).redirect(303, '/login');
  });

  const requireSession = (req: Request, res: Response, next: NextFunction) => {
    if (sessionUser(req.headers.cookie)) {
      // The session cookie is SameSite=Strict, yet a form on another site may still post.
      if (isCrossSiteRequest(req)) {
        log.warn({ path: req.path, origin: req.headers.origin }, 'cross-site request refused');
        return next(new SmartBranchError('SB_ERR_FORBIDDEN', 'cross-site request'));
      }
      return next();
    }
    if (req.originalUrl.includes('/api/')) {
      return void res
        .status(401)
        .json({ error: { code: 'SB_ERR_UNAUTHENTICATED', message: 'log in first' } });
    }
    res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
  };

  const health = healthReader(options.dataDir ?? '.');
  const view = (req: express.Request) => ({
    language: language(req),
    flows: parts.flows === true,
    simulatedDevices: parts.devices?.allowSimulated !== false,
  });
  app.get('/', requireSession, (req, res) => void res.send(overviewPage(view(req))));
  for (const [section, render] of Object.entries(sectionPages)) {
    app.get(sectionPath(section), requireSession, (req, res) => void res.send(render(view(req))));
  }
  const api: ApiContext = {
    parts,
    health,
    status: options.status,
    metrics: options.metrics,
    now: () => Math.floor(context.clock.now()),
    technician: (req) => sessionUser(req.headers.cookie) ?? '',
  };
  app.use(technicianApi(requireSession, api));

  return {
    guard: requireSession,
    server,
    sessionUser,
    mount: (router) => void app.use(router),
    attach: (given) => void Object.assign(parts, given),
    listen: async () => {
      // Scripts and kiosks calling an API path that does not exist get JSON, as from any other
      // API answer, rather than express's HTML page.
      app.use((req, _res, next) => {
        if (!apiPath.test(req.path)) return next();
        next(new SmartBranchError('SB_ERR_NOT_FOUND', `${req.method} ${req.path}`));
      });
      app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
        const known = toRequestError(err);
        if (known.status >= 500) log.error({ err }, 'request failed');
        res.status(known.status).json({ error: known.toBody() });
      });

      await listen(server, options.host, options.port);
      const address = server.address() as AddressInfo;
      const url = `http://${options.host}:${address.port}`;
      log.info({ url }, 'technician web UI listening');
      return { url, server, close: () => closeServer(server) };
    },
  };
}

/** `/api/...` and a module's own `/screens/api/...`. */
const apiPath = /^(\/[\w-]+)?\/api(\/|$)/;

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

function listen(server: http.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

export { type TechnicianConsole, technicianConsole } from './console.ts';

function safely(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
