import type http from 'node:http';
import type { Logger } from 'pino';
import { type Namespace, Server, type Socket } from 'socket.io';
import { z } from 'zod';
import type { Clock, Timer } from '../../core/index.ts';
import type { ScreenRegistration } from '../../protocol/index.ts';
import type { Programme } from './model.ts';
import type { PairedPlayer, Pairing } from './pairing.ts';
import { PlayReport } from './proof.ts';

/** The socket.io path of the player channel, under the module's own prefix. */
export const socketPath = '/screens/socket.io';

const Heartbeat = z.strictObject({
  version: z.string().max(40).optional(),
  width: z.number().int().min(1).max(20_000).optional(),
  height: z.number().int().min(1).max(20_000).optional(),
  playing: z.string().max(200).optional(),
});

export interface Hello {
  player: string;
  screen: ScreenRegistration;
  branchName: string;
  theme: { id: string; colours: { background: string; text: string; accent: string } } | null;
}

export interface HubOptions {
  pairing: Pairing;
  clock: Clock;
  log: Logger;
  /** A player silent this long is dropped and shown offline, in milliseconds. */
  heartbeatTimeoutMs: number;
  screen(id: string): ScreenRegistration | undefined;
  hello(player: PairedPlayer, screen: ScreenRegistration): Hello;
  programmeFor(screen: string): Programme;
  queueView(): unknown;
  /** Stores a reported play; returns why it was refused, or null. */
  recordPlay(player: PairedPlayer, report: PlayReport): string | null;
  onPresence(screen: string, players: number): void;
}

export interface Hub {
  attach(server: http.Server): void;
  push(screen: string, programme: Programme): void;
  broadcast(event: 'queue' | 'theme', payload: unknown): void;
  /** Players connected per screen. */
  online(): Map<string, number>;
  disconnectPlayer(player: string): void;
  close(): Promise<void>;
}

interface PlayerSocketData {
  player: PairedPlayer;
  lastHeartbeatAt: number;
}

/**
 * The socket.io namespace `/players`: a player connects with its token, is told its screen,
 * theme and programme, and reports heartbeats and plays. socket.io's own pings drop a dead
 * link within 5 s; a live link without heartbeats is dropped after `heartbeatTimeoutMs`.
 */
export function playerHub(options: HubOptions): Hub {
  const servers: Server[] = [];
  const namespaces: Namespace[] = [];
  const presence = new Map<string, Set<string>>();
  const log = options.log;

  const changePresence = (screen: string, socketId: string, joined: boolean) => {
    const sockets = presence.get(screen) ?? new Set<string>();
    const before = sockets.size;
    if (joined) sockets.add(socketId);
    else sockets.delete(socketId);
    presence.set(screen, sockets);
    if (sockets.size !== before) options.onPresence(screen, sockets.size);
  };

  const onConnection = (socket: Socket) => {
    const data = socket.data as PlayerSocketData;
    const screen = options.screen(data.player.screen);
    if (!screen) return void socket.disconnect(true);

    void socket.join(`screen:${screen.id}`);
    void socket.join(`player:${data.player.id}`);
    changePresence(screen.id, socket.id, true);
    socket.emit('hello', options.hello(data.player, screen));
    socket.emit('programme', { ...options.programmeFor(screen.id), sentAt: options.clock.now() });
    socket.emit('queue', options.queueView());
    socket.on('heartbeat', (body: unknown, ack?: unknown) => {
      onHeartbeat(socket, body);
      if (typeof ack === 'function') ack({ ok: true });
    });
    socket.on('play', (body: unknown, ack?: unknown) => onPlay(socket, body, ack));
    socket.on('disconnect', () => changePresence(screen.id, socket.id, false));
  };

  const onHeartbeat = (socket: Socket, body: unknown) => {
    const data = socket.data as PlayerSocketData;
    data.lastHeartbeatAt = options.clock.now();
    const parsed = Heartbeat.safeParse(body);
    if (!parsed.success) return;

    const { version, width, height } = parsed.data;
    options.pairing.seen(data.player.id, {
      ...(version ? { version } : {}),
      ...(width && height ? { screenSize: `${width}x${height}` } : {}),
    });
  };

  const onPlay = (socket: Socket, body: unknown, ack: unknown) => {
    const data = socket.data as PlayerSocketData;
    const answer = typeof ack === 'function' ? (ack as (reply: unknown) => void) : () => {};
    const parsed = PlayReport.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return answer({
        ok: false,
        error: {
          code: 'SB_ERR_INVALID_MESSAGE',
          path: issue?.path.join('.') || '(root)',
          message: issue?.message ?? 'invalid',
        },
      });
    }

    const problem = options.recordPlay(data.player, parsed.data);
    if (problem) log.debug({ player: data.player.id, problem }, 'play refused');
    answer(
      problem
        ? { ok: false, error: { code: 'SB_ERR_INVALID_MESSAGE', message: problem } }
        : { ok: true },
    );
  };

  const sweep: Timer = options.clock.every(1000, () => {
    const cutoff = options.clock.now() - options.heartbeatTimeoutMs;
    for (const namespace of namespaces) {
      for (const socket of namespace.sockets.values()) {
        if ((socket.data as PlayerSocketData).lastHeartbeatAt < cutoff) socket.disconnect(true);
      }
    }
  });

  return {
    attach(server) {
      const io = new Server(server, {
        path: socketPath,
        serveClient: false,
        pingInterval: 2000,
        pingTimeout: 3000,
        maxHttpBufferSize: 64 * 1024,
      });
      const namespace = io.of('/players');
      namespace.use((socket, next) => {
        const token = (socket.handshake.auth as { token?: unknown }).token;
        const player = typeof token === 'string' ? options.pairing.verify(token) : null;
        if (!player) {
          log.warn(
            { address: socket.handshake.address },
            'player refused: token unknown or revoked',
          );
          return next(
            Object.assign(new Error('SB_ERR_UNAUTHENTICATED'), {
              data: { code: 'SB_ERR_UNAUTHENTICATED' },
            }),
          );
        }

        socket.data = { player, lastHeartbeatAt: options.clock.now() } satisfies PlayerSocketData;
        next();
      });
      namespace.on('connection', onConnection);
      servers.push(io);
      namespaces.push(namespace);
    },
    push(screen, programme) {
      for (const namespace of namespaces) {
        namespace
          .to(`screen:${screen}`)
          .emit('programme', { ...programme, sentAt: options.clock.now() });
      }
    },
    broadcast(event, payload) {
      for (const namespace of namespaces) namespace.emit(event, payload);
    },
    online: () => new Map([...presence].map(([screen, sockets]) => [screen, sockets.size])),
    disconnectPlayer(player) {
      for (const namespace of namespaces) namespace.in(`player:${player}`).disconnectSockets(true);
    },
    async close() {
      sweep.cancel();
      for (const namespace of namespaces) namespace.disconnectSockets(true);
      // io.close() would also close the gateway's HTTP server, which is the lead's to close.
      for (const io of servers) io.engine.close();
    },
  };
}
