import express, { type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import {
  type ErrorCode,
  errorCatalogue,
  issueMessage,
  SmartBranchError,
} from '../../core/index.ts';
import { Id, type QueueCounterCommand } from '../../protocol/index.ts';
import type { Queue } from '../queue/index.ts';
import type { AlertBoard } from './alerts.ts';
import type { CameraDesk } from './cameras.ts';
import type { DeviceConsole } from './devices.ts';
import { diagnosticBundle } from './diagnostics.ts';
import type { Health } from './health.ts';
import { type LogRing, logLevels } from './logs.ts';
import { profileTemplates } from './profile-templates.ts';

/** What the technician pages drive; a part left out answers 404 on its routes. */
export interface TechnicianParts {
  gateway: string;
  /** The gateway's config as loaded, for the diagnostic bundle (secrets are removed there). */
  config: unknown;
  queue?: Queue;
  /** The queue's services and counters as configured, for the console's set-up view. */
  queueSetup?: {
    services: readonly {
      id: string;
      name: string;
      prefix: string;
      advisory?: { product: string } | undefined;
    }[];
    counters: readonly { id: string; name: string; services: readonly string[] }[];
  };
  devices?: DeviceConsole;
  cameras?: CameraDesk;
  logs?: LogRing;
  alerts?: AlertBoard;
  /** Whether Node-RED's editor is mounted, so the pages link to it. */
  flows?: boolean;
  /**
   * The leads module's desk: the settings the queue page seals a lead with after an advisory
   * ticket, and the hand-off of the sealed box. Absent: the page offers no lead.
   */
  leads?: {
    settings: { scripts: readonly string[] } & Record<string, unknown>;
    handOver(body: unknown, origin: 'technician'): { seq: number } | { error: string };
  };
}

export interface ApiContext {
  parts: TechnicianParts;
  health: () => Health;
  status: () => unknown;
  metrics: () => Promise<string>;
  now: () => number;
  technician: (req: Request) => string;
}

export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;

  const issue = result.error.issues[0];
  const path = issuePath(issue, '(body)');
  throw new SmartBranchError(
    'SB_ERR_INVALID_REQUEST',
    `${path}: ${issue ? issueMessage(issue) : 'invalid'}`,
    path,
  );
}

/** The failing field of a zod issue; an unknown field is named by itself, not its object. */
export function issuePath(issue: z.ZodError['issues'][number] | undefined, whole: string) {
  const extra = issue?.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : [];
  const levels = [...(issue?.path ?? []), ...extra].map(String);
  return levels.length ? levels.join('.') : whole;
}

function need<T>(part: T | undefined, name: string): T {
  if (part === undefined)
    throw new SmartBranchError('SB_ERR_NOT_FOUND', `no ${name} on this gateway`);
  return part;
}

const ProfileBody = z.strictObject({ profile: z.unknown() });
const TestBody = z.strictObject({ action: z.enum(['press', 'blink', 'print']) });
const CounterBody = z.strictObject({
  action: z.enum(['call-next', 'end', 'open', 'pause', 'close', 'recall', 'no-show']),
});
const TicketBody = z.strictObject({ service: Id });
const LogQuery = z.strictObject({
  module: z.string().max(40).optional(),
  level: z.enum(logLevels as [string, ...string[]]).optional(),
  hours: z.coerce.number().positive().max(48).optional(),
});

/** The technician API under /api; `guard` admits only requests with a session. */
export function technicianApi(guard: RequestHandler, api: ApiContext): express.Router {
  const router = express.Router();
  router.use('/api', guard, express.json({ limit: '64kb' }));
  systemRoutes(router, api);
  deviceRoutes(router, api);
  cameraRoutes(router, api);
  queueRoutes(router, api);
  return router;
}

function systemRoutes(router: express.Router, api: ApiContext) {
  router.get('/api/status', (_req, res) => void res.json(api.status()));
  router.get('/api/health', (_req, res) => void res.json(api.health()));
  router.get('/api/alerts', (_req, res) => void res.json(api.parts.alerts?.list() ?? []));
  router.get('/api/logs', (req, res) => {
    const logs = need(api.parts.logs, 'log ring');
    const query = parse(LogQuery, req.query) as Parameters<LogRing['query']>[0];
    res.json({ modules: logs.modules(), lines: logs.query(query).slice(-1000) });
  });
  router.get('/api/diagnostics', async (_req, res) => {
    const bundle = await diagnosticBundle({
      gateway: api.parts.gateway,
      config: api.parts.config,
      health: api.health(),
      status: api.status(),
      logs: need(api.parts.logs, 'log ring'),
      metrics: api.metrics,
      now: api.now(),
    });
    const name = `diagnostics-${encodeURIComponent(api.parts.gateway)}-${api.now()}.json`;
    res.attachment(name).json(bundle);
  });
}

/** Answers 400 with every problem, the first one's path in the error; true when it did. */
function refuseBadProfile(res: express.Response, problems: { path?: string }[]): boolean {
  if (!problems.length) return false;

  res.status(400).json({
    error: {
      code: 'SB_ERR_INVALID_REQUEST',
      message: 'profile fails its schema',
      path: problems[0]?.path,
    },
    problems,
  });
  return true;
}

function deviceRoutes(router: express.Router, api: ApiContext) {
  const devices = () => need(api.parts.devices, 'device console');
  router.get('/api/devices', (_req, res) => void res.json(devices().list()));
  router.get('/api/devices/templates', (_req, res) => void res.json(profileTemplates));
  router.post('/api/devices/validate', (req, res) => {
    res.json({ problems: devices().validate(parse(ProfileBody, req.body).profile) });
  });
  router.post('/api/devices', async (req, res) => {
    const profile = parse(ProfileBody, req.body).profile;
    if (refuseBadProfile(res, devices().validate(profile))) return;
    res.status(201).json(await devices().add(profile));
  });
  router.get(
    '/api/devices/:device',
    (req, res) =>
      void res.json({
        profile: devices().profile(req.params.device),
        messages: devices().messages(req.params.device),
      }),
  );
  router.put('/api/devices/:device', async (req, res) => {
    const profile = parse(ProfileBody, req.body).profile;
    if (refuseBadProfile(res, devices().validate(profile))) return;
    // The device's refusal answers with its error's status, as a thrown error would.
    const answer = await devices().edit(req.params.device, profile);
    const code = answer?.status === 'error' ? answer.error?.code : undefined;
    const spec = code ? errorCatalogue[code as ErrorCode] : undefined;
    res.status(spec?.status ?? (code ? 400 : 200)).json(answer);
  });
  router.post('/api/devices/:device/test', async (req, res) => {
    res.json(await devices().test(req.params.device, parse(TestBody, req.body).action));
  });
}

function cameraRoutes(router: express.Router, api: ApiContext) {
  const cameras = () => need(api.parts.cameras, 'cameras');
  router.get('/api/cameras', (_req, res) => void res.json(cameras().list()));
  router.get('/api/cameras/:camera/still', async (req, res) => {
    const jpeg = await cameras().still(req.params.camera, api.technician(req));
    // A diagnostic exception to the privacy rule: this browser only, never cached anywhere.
    res.set('Cache-Control', 'no-store, private').type('image/jpeg').send(jpeg);
  });
  router.get(
    '/api/cameras/:camera/zones',
    (req, res) => void res.json(cameras().zones(req.params.camera)),
  );
  router.put(
    '/api/cameras/:camera/zones',
    (req, res) => void res.json(cameras().saveZones(req.params.camera, req.body)),
  );
  router.get(
    '/api/cameras/:camera/live',
    (req, res) => void res.json(cameras().live(req.params.camera)),
  );
}

function queueRoutes(router: express.Router, api: ApiContext) {
  const queue = () => need(api.parts.queue, 'queue');
  router.get('/api/queue', (_req, res) => {
    const setup = api.parts.queueSetup ?? { services: [], counters: [] };
    res.json({
      setup,
      state: queue().state(),
      kpis: queue().kpis(),
      leads: api.parts.leads?.settings ?? null,
    });
  });
  router.post('/api/queue/leads', (req, res) => {
    const leads = need(api.parts.leads, 'lead desk');
    const result = leads.handOver(req.body, 'technician');
    if ('error' in result)
      throw new SmartBranchError('SB_ERR_INVALID_REQUEST', `sealed: ${result.error}`, 'sealed');
    res.status(202).json({ queued: true });
  });
  router.post('/api/queue/tickets', (req, res) => {
    const body = parse(TicketBody, req.body);
    res.status(201).json(
      queue().issue({
        requestId: `ui-${api.now()}-${Math.random()}`.slice(0, 64),
        service: body.service,
        source: 'technician',
      }),
    );
  });
  router.post('/api/queue/counters/:counter', (req, res) => {
    const command: QueueCounterCommand = {
      action: parse(CounterBody, req.body).action,
      requestId: `ui-${api.now()}-${Math.random()}`.slice(0, 64),
    };
    res.json({ ticket: queue().command(req.params.counter, command) });
  });
}
