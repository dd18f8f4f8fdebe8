/**
 * Automation: Node-RED embedded in the gateway process, its editor at /flows behind the
 * technician login, with the SmartBranch nodes on the gateway's bus and the shipped flows
 * loaded on first start.
 */
import type http from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { type ModuleContext, SmartBranchError } from '../../core/index.ts';
import type { Bus } from '../bus/index.ts';
import { seedFlows, shippedFlowsFolder } from './flows.ts';
import { type FlowAlert, smartbranchNodes } from './nodes.ts';
import { credentialSecret, type EditorAccess, editorRoot, nodeRedSettings } from './settings.ts';

export { shippedFlows, shippedFlowsFolder } from './flows.ts';
export type { FlowAlert } from './nodes.ts';
export type { EditorAccess } from './settings.ts';
export { editorRoot } from './settings.ts';

/** The `automation` section of gateway.json. */
export const AutomationConfig = z.strictObject({
  /** Encrypts the flows' credentials. Default: a secret made on first start in the data folder. */
  credentialSecret: z.string().min(16).optional(),
  /** Where the flows loaded on first start come from. Default: the shipped `flows/` folder. */
  flowsFolder: z.string().min(1).optional(),
});

export type AutomationConfig = z.output<typeof AutomationConfig>;

export interface AutomationOptions {
  config: AutomationConfig;
  /** The gateway's HTTP server, for the editor's websocket. */
  server: http.Server;
  bus: Bus;
  /** The gateway's data folder; Node-RED's own lives in `node-red/` inside it. */
  dataDir: string;
  branchName: string;
  access: EditorAccess;
  /** Receives the alerts flows raise, for the technician UI. */
  alert(alert: FlowAlert): void;
  deviceIds(): string[];
}

export interface Automation {
  /** The editor and its API under /flows; mount it before the gateway listens. */
  readonly router: express.Router;
  /** Loads the nodes and flows and starts them; call once the gateway listens. */
  start(): Promise<void>;
  stats(): { running: boolean; seeded: boolean };
  stop(): Promise<void>;
}

/** The part of the node-red package the gateway calls (it ships no types). */
interface NodeRed {
  init(server: http.Server, settings: unknown): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  httpAdmin: express.RequestHandler;
}

// Node-RED keeps its runtime in module state: one embedded instance per process.
let holder: string | null = null;

export function prepareAutomation(options: AutomationOptions, context: ModuleContext): Automation {
  const log = context.log.child({ module: 'automation' });
  if (holder) {
    throw new SmartBranchError('SB_ERR_CONFLICT', `Node-RED already runs here for ${holder}`);
  }

  holder = options.dataDir;
  const userDir = join(options.dataDir, 'node-red');
  const seeded = seedFlows(userDir, options.config.flowsFolder ?? shippedFlowsFolder);
  const red = createRequire(import.meta.url)('node-red') as NodeRed;
  const door = smartbranchNodes({
    bus: options.bus,
    now: () => Math.floor(context.clock.now()),
    log,
    branchName: options.branchName,
    alert: options.alert,
    deviceIds: options.deviceIds,
  });
  red.init(
    options.server,
    nodeRedSettings({
      userDir,
      log,
      access: options.access,
      credentialSecret: credentialSecret(options.dataDir, options.config.credentialSecret),
      smartbranch: door,
    }),
  );

  let running = false;
  return {
    router: editorRouter(options.access, red.httpAdmin),
    start: async () => {
      await red.start();
      running = true;
      log.info({ editor: editorRoot, seeded }, 'automation started');
    },
    stats: () => ({ running, seeded }),
    stop: async () => {
      if (running) await red.stop();
      running = false;
      holder = null;
      log.info('automation stopped');
    },
  };
}

/** /flows only with a technician session: the editor page sends others to the login. */
function editorRouter(access: EditorAccess, editor: express.RequestHandler): express.Router {
  const router = express.Router();
  router.use(editorRoot, (req: Request, res: Response, next: NextFunction) => {
    if (access.sessionUser(req.headers.cookie)) return next();

    if (req.method === 'GET' && (req.path === '/' || req.path === '')) {
      return void res.redirect(303, `/login?next=${encodeURIComponent(editorRoot)}`);
    }
    res.status(401).json({ error: { code: 'SB_ERR_UNAUTHENTICATED', message: 'log in first' } });
  });
  router.use(editorRoot, editor);
  return router;
}
