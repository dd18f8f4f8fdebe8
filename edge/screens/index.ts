/**
 * Scene management on the gateway: screens and their players, content, schedules with
 * dayparting, overrides, audience and queue rules, share of voice, theme packs, the asset
 * cache and proof of play. Players are web pages served here that follow the gateway over
 * socket.io and keep playing from their cache when it is gone.
 */
import type http from 'node:http';
import type express from 'express';
import type { ModuleContext } from '../../core/index.ts';
import type { PlayHour, ScreenRegistration } from '../../protocol/index.ts';
import type { Bus } from '../bus/index.ts';
import type { Db } from '../store/index.ts';
import { assetCache } from './assets.ts';
import { audienceHistory } from './audience.ts';
import type { ScreensConfig } from './config.ts';
import { type Control, control, initialTheme } from './control.ts';
import { director } from './director.ts';
import { playerHub } from './hub.ts';
import { library } from './library.ts';
import type { PairingCode } from './pairing.ts';
import { pairing } from './pairing.ts';
import { proofOfPlay } from './proof.ts';
import { screensRouter } from './routes.ts';
import { liveFigures, ruleBook } from './rules.ts';
import { subscribeScreens } from './wiring.ts';

export { ScreensConfig } from './config.ts';
export type { Control } from './control.ts';
export { socketPath } from './hub.ts';
export type { Programme, ProgrammeItem } from './model.ts';
export { Content, Playlist } from './model.ts';
export type { PairingCode } from './pairing.ts';
export { shippedThemeIds, ThemePack } from './themes.ts';

export interface ScreensOptions {
  branch: string;
  config: ScreensConfig;
  db: Db;
  bus: Bus;
  /** Where campaign assets are fetched: `{cloudAssetUrl}/{sha256}`. Absent: uploads only. */
  cloudAssetUrl?: string;
  /** The branch's name on idle pages and templates. Default: the branch id. */
  branchName?: string;
  /** Proof of play, rolled up per screen, item and local hour, for the uplink's outbox. */
  recordPlay?: (record: PlayHour) => void;
  /** Admits a request to the technician API (the lead's session check); absent: 401. */
  guard?: express.RequestHandler;
}

export interface ScreensStats {
  screens: number;
  screensOnline: number;
  playersOnline: number;
  /** Plays stored since start. */
  plays: number;
  programmesSent: number;
  theme: string | null;
  cache: { files: number; bytes: number; downloading: number; failed: number };
}

export interface Screens {
  /** Player pages, pairing and the REST API, all under /screens; mount at the root. */
  readonly router: express.Router;
  /** socket.io namespace /players (path /screens/socket.io) on the gateway's HTTP server. */
  attach(server: http.Server): void;
  /** Each screen's current pairing code, for the technician UI. */
  pairingCodes(): PairingCode[];
  /**
   * The player a pairing token belongs to and its screen, or null for an unknown or revoked
   * token: how other modules' pages without a login (queue kiosk, board) prove themselves.
   */
  verifyPlayer(token: string): { player: string; screen: ScreenRegistration } | null;
  stats(): ScreensStats;
  /** What the REST API and the bus can do, for the runtime and the uplink. */
  readonly control: Control;
  /** Rolls up every play stored so far into `recordPlay`, for a run that ends. */
  flush(): number;
  stop(): Promise<void>;
}

/** How long after an hour ends its plays are rolled up: room for late reports, in ms. */
const rollUpGraceMs = 120_000;

export async function startScreens(
  options: ScreensOptions,
  context: ModuleContext,
): Promise<Screens> {
  const log = context.log.child({ module: 'screens' });
  const { config, db, bus } = options;
  const clock = context.clock;
  const counts = { plays: 0, programmesSent: 0 };
  const lib = library(db);
  for (const screen of config.screens) lib.saveScreen(screen, 'config');

  const figures = liveFigures();
  const audience = audienceHistory();
  const proof = proofOfPlay({
    db,
    clock,
    timeZone: config.timeZone,
    kAnonymity: config.kAnonymity,
    recordPlay: options.recordPlay ?? (() => {}),
  });
  const changed = () => {
    stage.refreshAssets();
    counts.programmesSent += stage.tick();
  };
  const assets = assetCache({
    dir: config.cacheDir,
    maxBytes: config.cacheMaxBytes,
    db,
    retryMs: config.assetRetryMs,
    clock,
    log,
    onReady: () => changed(),
    ...(options.cloudAssetUrl ? { sourceUrl: options.cloudAssetUrl } : {}),
  });
  const pairings = pairing({ db, clock, codeTtlMs: config.pairingCodeTtlMs });
  const branchName = options.branchName ?? options.branch;
  const queueView = () => ({
    nowServing: figures.queue?.nowServing ?? [],
    waiting: (figures.queue?.waiting ?? []).reduce((sum, entry) => sum + entry.count, 0),
  });

  const hub = playerHub({
    pairing: pairings,
    clock,
    log,
    heartbeatTimeoutMs: config.heartbeatTimeoutMs,
    screen: (id) => lib.screen(id),
    hello: (player, screen) => ({
      player: player.id,
      screen,
      branchName,
      theme: stage.theme()
        ? {
            id: stage.theme()?.id ?? '',
            colours: stage.theme()?.colours ?? { background: '#fff', text: '#111', accent: '#05a' },
          }
        : null,
    }),
    programmeFor: (screen) => stage.programmeFor(screen),
    queueView,
    recordPlay: (player, report) => {
      const zone = lib.screen(player.screen)?.zone ?? '';
      const problem = proof.record(
        player.id,
        player.screen,
        report,
        audience.during(zone, report.startedAt, report.endedAt),
      );
      if (!problem) counts.plays += 1;
      return problem;
    },
    onPresence: (screen, players) => {
      log.info({ screen, players }, players > 0 ? 'screen player online' : 'screen offline');
      void bus
        .publish(
          'screenStatus',
          { screen },
          { screen, at: clock.now(), state: players > 0 ? 'online' : 'offline', players },
          { retain: true },
        )
        .catch(() => {});
    },
  });
  const stage = director({
    library: lib,
    assets,
    rules: ruleBook(),
    figures,
    proof,
    timeZone: config.timeZone,
    branchName,
    now: () => clock.now(),
    publish: (screen, programme) => hub.push(screen, programme),
  });
  const ctl = control({
    library: lib,
    assets,
    director: stage,
    hub,
    pairing: pairings,
    proof,
    log,
    branchName,
    now: () => clock.now(),
    themesFolder: config.themesFolder,
    changed,
    publishStatus: () => {},
  });

  initialTheme(ctl, lib, config.theme, log);
  const unsubscribe = await subscribeScreens({
    bus,
    control: ctl,
    figures,
    audience,
    log,
    clock,
    onQueue: () => {
      hub.broadcast('queue', queueView());
      changed();
    },
    onFigures: changed,
  });
  changed();

  const ticker = clock.every(1000, () => {
    counts.programmesSent += stage.tick();
  });
  const rollUps = clock.every(60_000, () => proof.rollUp(clock.now() - rollUpGraceMs));
  log.info({ screens: lib.screens().length, theme: stage.theme()?.id ?? null }, 'screens started');

  return {
    router: screensRouter({
      control: ctl,
      uploadMaxBytes: config.uploadMaxBytes,
      ...(options.guard ? { guard: options.guard } : {}),
    }),
    attach: (server) => hub.attach(server),
    pairingCodes: () => ctl.pairingCodes(),
    verifyPlayer: (token) => {
      const player = pairings.verify(token);
      const screen = player ? lib.screen(player.screen) : undefined;
      return player && screen ? { player: player.id, screen } : null;
    },
    control: ctl,
    stats: () => {
      const online = [...hub.online().values()];
      return {
        screens: lib.screens().length,
        screensOnline: online.filter((n) => n > 0).length,
        playersOnline: online.reduce((sum, n) => sum + n, 0),
        plays: counts.plays,
        programmesSent: counts.programmesSent,
        theme: stage.theme()?.id ?? null,
        cache: assets.stats(),
      };
    },
    flush: () => proof.rollUp(Number.MAX_SAFE_INTEGER - 3_600_000),
    stop: async () => {
      ticker.cancel();
      rollUps.cancel();
      await unsubscribe();
      await hub.close();
      await assets.stop();
      log.info('screens stopped');
    },
  };
}
