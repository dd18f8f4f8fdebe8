import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import helmet from 'helmet';
import type { Clock } from '../../../../core/index.ts';
import { type Bus, startBus } from '../../../../edge/bus/index.ts';
import {
  type Queue,
  QueueConfig,
  type QueueConfigInput,
  startQueue,
} from '../../../../edge/queue/index.ts';
import { type QueueWeb, queueWeb } from '../../../../edge/queue/web/index.ts';
import { type Screens, ScreensConfig, startScreens } from '../../../../edge/screens/index.ts';
import { openStore, type Store } from '../../../../edge/store/index.ts';
import { type CapturedContext, testContext } from '../../../support/context.ts';

export const branch = 'b-queue-web';
/** The technician's session cookie in these tests; the gateway's `web.guard` checks a real one. */
export const session = { cookie: 'sb_gateway_session=test-session' };

/** A service name with a character outside the BMP and an emoji, as in the field case. */
export const fancyService = '𠮷野家 🍜 外汇';

export const queueConfig: QueueConfigInput = {
  timeZone: 'Asia/Shanghai',
  services: [
    { id: 'cash', name: '现金 Cash', prefix: 'A', priority: 0, targetWaitMinutes: 10 },
    { id: 'exchange', name: fancyService, prefix: 'F', priority: 0, targetWaitMinutes: 10 },
    { id: 'advice', name: '理财 Advice', prefix: 'C', priority: 0, targetWaitMinutes: 20 },
  ],
  counters: [
    { id: '3', name: 'Window 3', services: ['cash', 'exchange'] },
    { id: '4', name: 'Window 4', services: ['cash', 'exchange'] },
    { id: 'desk', name: 'Advisor desk', services: ['advice'], initialState: 'closed' },
  ],
  // Only a change or a reconnect brings a page the state: no periodic refresh hides a gap.
  stateRefreshMs: 3_600_000,
  announcements: [
    { lang: 'zh', template: '请 {number} 号顾客到 {counter} 号窗口办理 {service}' },
    { lang: 'en', template: 'Ticket {number}, please go to counter {counter}' },
  ],
};

const screenList = [
  {
    id: 'kiosk-1',
    name: 'Entrance kiosk',
    zone: 'entrance',
    resolution: '1280x800',
    orientation: 'landscape',
    role: 'kiosk',
  },
  {
    id: 'board-1',
    name: 'Waiting board',
    zone: 'waiting',
    resolution: '1920x1080',
    orientation: 'landscape',
    role: 'queue-board',
  },
  {
    id: 'tv-1',
    name: 'Window TV',
    zone: 'window',
    resolution: '1920x1080',
    orientation: 'landscape',
    role: 'signage',
  },
];

export interface Gateway {
  url: string;
  bus: Bus;
  store: Store;
  queue: Queue;
  screens: Screens;
  web: QueueWeb;
  context: CapturedContext;
  /** A paired token for a screen, through the screens module's own pairing route. */
  pair(screen: string): Promise<string>;
  code(screen: string): string;
  /** Cuts every open TCP connection, websockets included, as a network drop would. */
  dropConnections(): void;
  stop(): Promise<void>;
}

/**
 * A gateway's queue web surface on a real bus, a real SQLite file, the real screens module
 * and a real HTTP server on port 0, with helmet as the gateway has it.
 */
export async function startGateway(dir: string, clock?: Clock): Promise<Gateway> {
  const context = testContext(clock);
  const store = openStore(join(dir, 'gateway.sqlite'), context);
  const bus = await startBus({ branch, port: 0, clients: [] }, context);
  const config = QueueConfig.parse(queueConfig);
  const queue = await startQueue(
    { branch, config, db: store.db, bus, recordMinute: () => {} },
    context,
  );
  const guard: express.RequestHandler = (req, res, next) =>
    req.headers.cookie === session.cookie
      ? next()
      : void res.status(401).json({ error: { code: 'SB_ERR_UNAUTHENTICATED', message: 'log in' } });
  const screens = await startScreens(
    {
      branch,
      config: ScreensConfig.parse({
        screens: screenList,
        timeZone: 'Asia/Shanghai',
        cacheDir: join(dir, 'cache'),
      }),
      db: store.db,
      bus,
      guard,
    },
    context,
  );
  const web = await queueWeb(
    {
      queue,
      config,
      bus,
      screens,
      guard,
      branchName: '测试支行 Test branch',
      kiosks: [{ screen: 'kiosk-1', printer: 'printer-1' }],
    },
    context,
  );

  const app = express();
  app.use(helmet());
  app.use(screens.router);
  app.use(web.router);
  const server = http.createServer(app);
  const connections = new Set<Socket>();
  server.on('connection', (socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
  });
  screens.attach(server);
  web.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const code = (screen: string) =>
    screens.pairingCodes().find((entry) => entry.screen === screen)?.code ?? '';

  return {
    url,
    bus,
    store,
    queue,
    screens,
    web,
    context,
    code,
    dropConnections: () => {
      for (const socket of connections) socket.destroy();
    },
    async pair(screen) {
      const response = await fetch(`${url}/screens/api/pair`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ screen, code: code(screen) }),
      });
      return ((await response.json()) as { token: string }).token;
    },
    async stop() {
      await web.stop();
      await screens.stop();
      await queue.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await bus.close();
      store.close();
    },
  };
}
