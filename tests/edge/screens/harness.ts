import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { io as connectSocket, type Socket } from 'socket.io-client';
import type { Clock } from '../../../core/index.ts';
import { type Bus, startBus } from '../../../edge/bus/index.ts';
import {
  type Screens,
  ScreensConfig,
  socketPath,
  startScreens,
} from '../../../edge/screens/index.ts';
import { openStore, type Store } from '../../../edge/store/index.ts';
import type { PlayHour } from '../../../protocol/index.ts';
import { testContext } from '../../support/context.ts';

export const branch = 'b-screens';
/** Technician requests carry this header in tests; the lead's runtime checks a session instead. */
export const technicianHeader = { 'x-test-technician': 'yes' };

export interface Harness {
  url: string;
  bus: Bus;
  store: Store;
  screens: Screens;
  server: http.Server;
  records: PlayHour[];
  context: ReturnType<typeof testContext>;
  api(path: string, init?: RequestInit): Promise<Response>;
  pair(screen: string): Promise<string>;
  player(token: string): Socket;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  dir: string;
  clock?: Clock;
  config?: Record<string, unknown>;
  cloudAssetUrl?: string;
  port?: number;
}

export const defaultScreens = [
  {
    id: 'tv-1',
    name: 'Window TV',
    zone: 'window',
    resolution: '1920x1080',
    orientation: 'landscape',
    role: 'signage',
  },
  {
    id: 'board',
    name: 'Queue board',
    zone: 'waiting',
    resolution: '1920x1080',
    orientation: 'landscape',
    role: 'queue-board',
  },
];

/** A gateway's screens module on a real bus, a real SQLite file and a real HTTP server. */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const context = testContext(options.clock);
  const store = openStore(join(options.dir, 'gateway.db'), context);
  const bus = await startBus({ branch, port: 0, clients: [] }, context);
  const records: PlayHour[] = [];
  const config = ScreensConfig.parse({
    screens: defaultScreens,
    timeZone: 'Asia/Shanghai',
    cacheDir: join(options.dir, 'cache'),
    assetRetryMs: 200,
    ...options.config,
  });
  const screens = await startScreens(
    {
      branch,
      config,
      db: store.db,
      bus,
      branchName: 'Test branch',
      recordPlay: (record) => records.push(record),
      guard: (req, res, next) =>
        req.headers['x-test-technician'] === 'yes'
          ? next()
          : void res
              .status(401)
              .json({ error: { code: 'SB_ERR_UNAUTHENTICATED', message: 'log in' } }),
      ...(options.cloudAssetUrl ? { cloudAssetUrl: options.cloudAssetUrl } : {}),
    },
    context,
  );

  const app = express();
  app.use(screens.router);
  const server = http.createServer(app);
  screens.attach(server);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sockets: Socket[] = [];

  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...technicianHeader, ...init.headers },
    });

  return {
    url,
    bus,
    store,
    screens,
    server,
    records,
    context,
    api,
    async pair(screen) {
      const code = screens.pairingCodes().find((entry) => entry.screen === screen)?.code;
      const response = await fetch(`${url}/screens/api/pair`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ screen, code }),
      });
      return ((await response.json()) as { token: string }).token;
    },
    player(token) {
      const socket = connectSocket(`${url}/players`, {
        path: socketPath,
        auth: { token },
        transports: ['websocket'],
        reconnection: false,
      });
      sockets.push(socket);
      return socket;
    },
    async stop() {
      for (const socket of sockets) socket.close();
      await screens.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await bus.close();
      store.close();
    },
  };
}

/** The next `event` a socket receives. */
export function next<T>(socket: Socket, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${event} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.once(event, (value: T) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}
