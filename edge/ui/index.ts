import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { z } from 'zod';
import {
  isSmartBranchError,
  type ModuleContext,
  toErrorBody,
  verifyPassword,
} from '../../core/index.ts';
import { pickLanguage } from './i18n.ts';
import { styles } from './pages/layout.ts';
import { loginPage, overviewPage } from './pages/technician.ts';
import { cookieValue, sessionStore } from './sessions.ts';

export { catalogues } from './i18n.ts';

export const Technician = z.strictObject({
  username: z.string().min(1).max(64),
  /** An scrypt hash from `smartbranch hash-password`. */
  password: z.string().startsWith('scrypt$', 'must be an scrypt hash (smartbranch hash-password)'),
});

export type Technician = z.output<typeof Technician>;

export interface GatewayHttpOptions {
  host: string;
  port: number;
  technicians: readonly Technician[];
  /** The overview's figures; any JSON the overview page knows how to show. */
  status: () => unknown;
  metrics: () => Promise<string>;
  /** Session lifetime in milliseconds. Default eight hours, one shift. */
  sessionTtlMs?: number;
}

export interface GatewayHttp {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * The gateway's web surface before it listens: other modules mount their routers on it and
 * protect their technician routes with `guard`, then `listen` opens the port.
 */
export interface GatewayWeb {
  /** Admits a request with a technician session; refuses others with 401 or the login page. */
  guard: express.RequestHandler;
  mount(router: express.Router): void;
  listen(): Promise<GatewayHttp>;
}

const cookieName = 'sb_gateway_session';
const assets = fileURLToPath(new URL('./assets/', import.meta.url));

/** The gateway's web surface: technician pages behind a login, metrics, mounted modules. */
export function gatewayWeb(options: GatewayHttpOptions, context: ModuleContext): GatewayWeb {
  const log = context.log.child({ module: 'ui' });
  const sessions = sessionStore(context.clock, options.sessionTtlMs ?? 8 * 3600_000);
  const app = express();

  app.disable('x-powered-by');
  app.use(helmet());
  app.use(express.urlencoded({ extended: false, limit: '8kb' }));
  app.get('/assets/style.css', (_req, res) => void res.type('text/css').send(styles));
  app.use('/assets', express.static(assets, { fallthrough: false }));
  app.get('/healthz', (_req, res) => void res.json({ ok: true }));
  app.get('/metrics', async (_req, res) => void res.type('text/plain').send(await options.metrics()));

  const signedIn = (req: Request) => sessions.find(cookieValue(req.headers.cookie, cookieName));
  const language = (req: Request) => pickLanguage(req.query.lang, req.headers['accept-language']);

  app.get('/login', (req, res) => void res.send(loginPage(language(req), false)));
  app.post('/login', rateLimit({ windowMs: 60_000, limit: 10 }), async (req, res) => {
    const { username, password } = req.body as Record<string, string | undefined>;
    const technician = options.technicians.find((entry) => entry.username === username);
    const ok = technician && (await verifyPassword(password ?? '', technician.password));
    if (!ok) {
      log.warn({ username }, 'technician login refused');
      return void res.status(401).send(loginPage(language(req), true));
    }

    const id = sessions.open(technician.username);
    log.info({ username }, 'technician logged in');
    res.cookie(cookieName, id, { httpOnly: true, sameSite: 'strict', path: '/' });
    res.redirect(303, `/?lang=${language(req)}`);
  });
  app.post('/logout', (req, res) => {
    sessions.close(cookieValue(req.headers.cookie, cookieName));
    res.clearCookie(cookieName).redirect(303, '/login');
  });

  const requireSession = (req: Request, res: Response, next: NextFunction) => {
    if (signedIn(req)) return next();
    if (req.path.startsWith('/api/')) {
      return void res.status(401).json({ error: { code: 'SB_ERR_UNAUTHENTICATED',
        message: 'log in first' } });
    }
    res.redirect(303, '/login');
  };

  app.get('/', requireSession, (req, res) => void res.send(overviewPage(language(req))));
  app.get('/api/status', requireSession, (_req, res) => void res.json(options.status()));

  return {
    guard: requireSession,
    mount: (router) => void app.use(router),
    listen: async () => {
      app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
        const body = toErrorBody(err);
        const status = isSmartBranchError(err) ? err.status : httpStatusOf(err);
        if (status >= 500) log.error({ err }, 'request failed');
        res.status(status).json({ error: body });
      });

      const server = await listen(app, options.host, options.port);
      const address = server.address() as AddressInfo;
      const url = `http://${options.host}:${address.port}`;
      log.info({ url }, 'technician web UI listening');
      return { url, server, close: () => closeServer(server) };
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

function listen(app: express.Express, host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
  });
}

/** Body parsers report a too large or malformed body with its own 4xx status. */
function httpStatusOf(err: unknown): number {
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
