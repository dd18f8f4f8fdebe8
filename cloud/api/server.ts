import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Kysely } from 'kysely';
import {
  isCrossSiteRequest,
  listenBacklog,
  type ModuleContext,
  SmartBranchError,
} from '../../core/index.ts';
import type { ControlPlane, SigningKey } from '../campaigns/index.ts';
import type { CloudConfig } from '../config.ts';
import type { LeadsService } from '../leads/index.ts';
import { releaseRoutes } from '../releases/index.ts';
import type { Database } from '../store/index.ts';
import { uiRoutes } from '../ui/index.ts';
import { authRoutes, loadUser } from './auth.ts';
import { controlRoutes } from './control.ts';
import { errorHandler, notFound } from './errors.ts';
import { fleetRoutes } from './fleet.ts';
import { insightsRoutes } from './insights.ts';
import { leadsRoutes } from './leads.ts';

export interface ApiDeps {
  db: Kysely<Database>;
  config: CloudConfig;
  context: ModuleContext;
  signingKey: SigningKey;
  brokerUrl: () => string;
  /** Campaigns, benefits and fleet operations; absent: their routes are not mounted. */
  controlPlane?: ControlPlane;
  /** The leads service; null: not configured (503); absent: built from the environment. */
  leads?: LeadsService | null;
  /** Whether the store and the broker answer, for /readyz. */
  ready: () => Promise<boolean>;
}

/** Refuses a cross-site state-changing request (forgery); see `isCrossSiteRequest`. */
const sameOrigin: RequestHandler = (request, _response, next) => {
  if (isCrossSiteRequest(request))
    return next(new SmartBranchError('SB_ERR_FORBIDDEN', 'cross-site request'));
  next();
};

/**
 * A request that sends no body reads as `{}`; one whose body no parser took (text/plain, say)
 * stays undefined, and `parseRequest` refuses it rather than read it as an empty object.
 */
const emptyBody: RequestHandler = (request, _response, next) => {
  const length = request.headers['content-length'];
  const sent = request.headers['transfer-encoding'] !== undefined || (length ?? '0') !== '0';
  if (request.body === undefined && !sent) request.body = {};
  next();
};

export function createApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // `same-origin` rather than helmet's `no-referrer`: under no-referrer a browser sends
  // `Origin: null` with a form post, and the cross-site check above would refuse every login.
  // TLS is the operator's proxy's job; upgrading requests would break a cloud reached over
  // plain HTTP at a LAN address (a demo, a phone scanning a lead QR on the branch's Wi-Fi).
  app.use(
    helmet({
      referrerPolicy: { policy: 'same-origin' },
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
    }),
  );
  app.use(express.json({ limit: '64kb' }));
  app.use(express.urlencoded({ extended: false, limit: '8kb' }));
  app.use(emptyBody);
  app.use(sameOrigin);

  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  app.get('/readyz', async (_request, response) => {
    const ready = await deps.ready().catch(() => false);
    response.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready' });
  });
  app.get('/metrics', async (_request, response) => {
    response.type(deps.context.registry.contentType).send(await deps.context.registry.metrics());
  });

  app.use(loadUser(deps));
  app.use(authRoutes(deps));
  app.use(fleetRoutes(deps));
  app.use(leadsRoutes(deps, deps.leads));
  app.use(insightsRoutes(deps));
  if (deps.controlPlane) app.use(controlRoutes({ ...deps, controlPlane: deps.controlPlane }));
  app.use(releaseRoutes(deps));
  app.use(uiRoutes(deps));
  app.use(notFound);
  app.use(errorHandler(deps.context.log.child({ module: 'api' })));
  return app;
}

export interface HttpServer {
  url: string;
  close(): Promise<void>;
}

export async function listen(
  app: express.Express,
  host: string,
  port: number,
): Promise<HttpServer> {
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: listenBacklog }, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
