import type http from 'node:http';
import type { Logger } from 'pino';
import { type Namespace, Server, type Socket } from 'socket.io';
import type { Clock, Timer } from '../../../core/index.ts';
import type { QueueEvent, QueueState } from '../../../protocol/index.ts';
import type { Bus } from '../../bus/index.ts';
import type { PairedScreens, ScreenRole } from './http.ts';

/** The socket.io path of the queue's pages, apart from the screens module's own. */
export const liveSocketPath = '/queue/socket.io';
export const liveNamespace = '/live';

const liveRoles: readonly ScreenRole[] = ['kiosk', 'queue-board'];

/** How often connected pages are checked against revoked tokens, in ms. */
const revocationSweepMs = 5000;

export interface LiveOptions {
  bus: Bus;
  screens: PairedScreens;
  clock: Clock;
  log: Logger;
  /** What a page is told first on every (re)connect: names of services and counters. */
  hello(screen: string): unknown;
  state(): QueueState;
}

export interface Live {
  attach(server: http.Server): void;
  stop(): Promise<void>;
}

interface LiveSocketData {
  token: string;
  screen: string;
}

/**
 * Kiosks and boards follow the queue over socket.io: on every connect a page gets the whole
 * current state and the latest call at once, then each state and call the queue puts on the
 * bus, so a call made on the bus, by REST or at a kiosk reaches every board the same way.
 */
export async function startLive(options: LiveOptions): Promise<Live> {
  const { log } = options;
  const namespaces: Namespace[] = [];
  const servers: Server[] = [];
  let lastCall: QueueEvent | null = null;

  const emit = (event: string, payload: unknown) => {
    for (const namespace of namespaces) namespace.emit(event, payload);
  };

  const offState = await options.bus.subscribe('queueState', {}, (state) => emit('state', state));
  const offEvent = await options.bus.subscribe('queueEvent', {}, (event) => {
    if (event.type !== 'called' && event.type !== 'recalled') return;

    lastCall = event;
    emit('call', event);
  });

  const onConnection = (socket: Socket) => {
    const data = socket.data as LiveSocketData;
    socket.emit('hello', options.hello(data.screen));
    socket.emit('state', options.state());
    if (lastCall) socket.emit('call', { ...lastCall, replay: true });
  };

  const sweep: Timer = options.clock.every(revocationSweepMs, () => {
    for (const namespace of namespaces) {
      for (const socket of namespace.sockets.values()) {
        if (!options.screens.verifyPlayer((socket.data as LiveSocketData).token)) {
          log.info({ screen: (socket.data as LiveSocketData).screen }, 'queue page revoked');
          socket.disconnect(true);
        }
      }
    }
  });

  return {
    attach(server) {
      const io = new Server(server, {
        path: liveSocketPath,
        serveClient: false,
        pingInterval: 2000,
        pingTimeout: 3000,
        maxHttpBufferSize: 16 * 1024,
      });
      const namespace = io.of(liveNamespace);
      namespace.use((socket, next) => {
        const token = (socket.handshake.auth as { token?: unknown }).token;
        const paired = typeof token === 'string' ? options.screens.verifyPlayer(token) : null;
        if (!paired || !liveRoles.includes(paired.screen.role)) {
          log.warn({ address: socket.handshake.address }, 'queue page refused: not paired');
          return next(
            Object.assign(new Error('SB_ERR_UNAUTHENTICATED'), {
              data: { code: 'SB_ERR_UNAUTHENTICATED' },
            }),
          );
        }

        socket.data = { token: token as string, screen: paired.screen.id } satisfies LiveSocketData;
        next();
      });
      namespace.on('connection', onConnection);
      namespaces.push(namespace);
      servers.push(io);
    },
    async stop() {
      sweep.cancel();
      await offState();
      await offEvent();
      for (const namespace of namespaces) namespace.disconnectSockets(true);
      // io.close() would also close the gateway's HTTP server, which is the lead's to close.
      for (const io of servers) io.engine.close();
    },
  };
}
