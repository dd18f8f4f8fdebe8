import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, {
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import {
  isSmartBranchError,
  issueMessage,
  packageFolder,
  SmartBranchError,
  toErrorBody,
} from '../../core/index.ts';
import { Id, ScreenOverride, ScreenRegistration, ThemeSelection } from '../../protocol/index.ts';
import type { Control } from './control.ts';
import { Content, Playlist } from './model.ts';
import { playerPolicy, playerShell } from './pages.ts';
import { ThemePack } from './themes.ts';

const publicFolder = fileURLToPath(new URL('./public/', import.meta.url));
const socketClient = join(packageFolder('socket.io-client'), 'dist', 'socket.io.min.js');

export interface RouterOptions {
  control: Control;
  /** Lets a request through to the technician API, or answers it; absent: refused with 401. */
  guard?: RequestHandler;
  uploadMaxBytes: number;
}

const PairBody = z.strictObject({
  screen: Id,
  code: z.string().regex(/^\d{6}$/, 'must be six digits'),
});
const UploadQuery = z.strictObject({
  id: Id,
  name: z.string().min(1).max(200),
  filename: z.string().min(3).max(200),
});

/** Parses a body or query with its schema; the error names the field. */
function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;

  const issue = result.error.issues[0];
  const path = issue?.path.length ? issue.path.map(String).join('.') : '(root)';
  throw new SmartBranchError(
    'SB_ERR_INVALID_REQUEST',
    `${path}: ${issue ? issueMessage(issue) : 'invalid'}`,
    path,
  );
}

/**
 * Everything the screens module serves, under `/screens`: player pages and their files
 * (no login: a player proves itself with its token on the socket), pairing, and the
 * technician API behind the lead's guard.
 */
export function screensRouter(options: RouterOptions): express.Router {
  const router = express.Router();
  const { control } = options;
  const refuse: RequestHandler = (_req, res) =>
    void res
      .status(401)
      .json({ error: { code: 'SB_ERR_UNAUTHENTICATED', message: 'log in first' } });
  const guard = options.guard ?? refuse;
  const json = express.json({ limit: '256kb' });

  router.get('/screens/player/:screen', (req, res) => {
    const screen = control.screen(req.params.screen);
    if (!screen) throw new SmartBranchError('SB_ERR_NOT_FOUND', `no screen ${req.params.screen}`);

    res.setHeader('Content-Security-Policy', playerPolicy);
    res.type('html').send(playerShell(screen, control.branchName));
  });
  router.get('/screens/static/socket.io.min.js', (_req, res) => void res.sendFile(socketClient));
  router.get('/screens/sw.js', (_req, res) => {
    res.setHeader('Service-Worker-Allowed', '/screens/');
    res.sendFile('sw.js', { root: publicFolder });
  });
  router.use('/screens/static', express.static(publicFolder, { fallthrough: false }));
  router.get('/screens/assets/:sha256', (req, res) => {
    const file = /^[0-9a-f]{64}$/.test(req.params.sha256)
      ? control.assetFile(req.params.sha256)
      : null;
    if (!file) throw new SmartBranchError('SB_ERR_NOT_FOUND', 'asset not in the cache');

    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.type(file.mime ?? 'application/octet-stream').sendFile(file.path);
  });
  router.post('/screens/api/pair', rateLimit({ windowMs: 60_000, limit: 20 }), json, (req, res) => {
    const body = parse(PairBody, req.body);
    res.json(control.pair(body.screen, body.code));
  });

  const api = express.Router();
  api.use(guard);
  technicianRoutes(api, control, json, options.uploadMaxBytes);
  router.use('/screens/api', api);
  router.use('/screens', errorHandler);
  return router;
}

function technicianRoutes(
  api: express.Router,
  control: Control,
  json: RequestHandler,
  uploadMax: number,
) {
  api.get('/screens', (_req, res) => void res.json(control.screenList()));
  api.post(
    '/screens',
    json,
    (req, res) =>
      void res.status(201).json(control.registerScreen(parse(ScreenRegistration, req.body))),
  );
  api.get('/pairing-codes', (_req, res) => void res.json(control.pairingCodes()));
  api.get('/players', (_req, res) => void res.json(control.players()));
  api.delete('/players/:player', (req, res) => {
    if (!control.revoke(req.params.player))
      throw new SmartBranchError('SB_ERR_NOT_FOUND', 'no such player');
    res.status(204).end();
  });
  api.get('/content', (_req, res) => void res.json(control.contents()));
  api.post(
    '/content',
    json,
    (req, res) => void res.status(201).json(control.saveContent(parse(Content, req.body))),
  );
  api.post('/content/upload', express.raw({ type: () => true, limit: uploadMax }), (req, res) => {
    const query = parse(UploadQuery, req.query);
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) {
      throw new SmartBranchError('SB_ERR_INVALID_REQUEST', 'body: the file is missing', 'body');
    }
    res.status(201).json(control.upload(query, req.body));
  });
  api.get('/playlists', (_req, res) => void res.json(control.playlists()));
  api.put('/playlists/:id', json, (req, res) => {
    const playlist = parse(Playlist, { ...req.body, id: req.params.id });
    res.json(control.savePlaylist(playlist));
  });
  api.delete('/playlists/:id', (req, res) => {
    if (!control.deletePlaylist(req.params.id))
      throw new SmartBranchError('SB_ERR_NOT_FOUND', 'no such playlist');
    res.status(204).end();
  });
  api.post(
    '/overrides',
    json,
    (req, res) => void res.status(201).json(control.override(parse(ScreenOverride, req.body))),
  );
  api.get('/themes', (_req, res) => void res.json(control.themes()));
  api.post(
    '/themes',
    json,
    (req, res) => void res.status(201).json(control.addTheme(parse(ThemePack, req.body))),
  );
  api.put(
    '/theme',
    json,
    (req, res) => void res.json(control.setTheme(parse(ThemeSelection, req.body).theme)),
  );
  api.get(
    '/plays',
    (req, res) =>
      void res.json(
        control.plays(typeof req.query.screen === 'string' ? req.query.screen : undefined),
      ),
  );
  api.get('/stats', (_req, res) => void res.json(control.stats()));
}

function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction) {
  const body = toErrorBody(err);
  const status = isSmartBranchError(err) ? err.status : httpStatusOf(err);
  if (status === 413)
    return void res
      .status(413)
      .json({ error: { code: 'SB_ERR_PAYLOAD_TOO_LARGE', message: 'upload over the size limit' } });
  if (status === 400 && !isSmartBranchError(err)) {
    return void res.status(400).json({
      error: { code: 'SB_ERR_INVALID_REQUEST', message: 'body is not valid JSON', path: 'body' },
    });
  }
  res.status(status).json({ error: body });
}

function httpStatusOf(err: unknown): number {
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
