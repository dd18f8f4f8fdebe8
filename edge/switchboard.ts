import { EventEmitter } from 'node:events';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import express from 'express';
import type { Logger } from '../core/index.ts';
import type { ModuleName, ModulesRunning } from '../protocol/index.ts';

/** One module the runtime can start and stop while the gateway runs. */
export interface ModuleSwitch {
  name: ModuleName;
  /** Why this gateway cannot run the module (nothing configured for it), or null. */
  unavailable(): string | null;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface Switchboard {
  /** Brings the running modules to `wanted`, one change at a time; a module not named stays. */
  apply(wanted: Partial<Record<ModuleName, boolean>>, version: number): Promise<ModulesRunning>;
  isRunning(name: ModuleName): boolean;
  /** Stops a running module and starts it again, as HQ's restart-module command asks. */
  restart(name: ModuleName): Promise<ModulesRunning>;
  report(): ModulesRunning;
  /** Stops every running module, in the reverse of the order they were given. */
  stopAll(): Promise<void>;
}

/**
 * Starts and stops the gateway's modules as HQ switches them. Switches run in the order
 * given (sensing, queue, screens, leads, automation) and stop in reverse; changes are taken
 * one at a time so a quick on-off-on ends as the last one said.
 */
export function switchboard(switches: readonly ModuleSwitch[], log: Logger): Switchboard {
  const running = new Set<ModuleName>();
  const wantedNow = new Map<ModuleName, boolean>();
  let version = 0;
  let queue: Promise<unknown> = Promise.resolve();

  const report = (): ModulesRunning => ({
    version,
    running: switches.filter((each) => running.has(each.name)).map((each) => each.name),
    unavailable: switches.flatMap((each) => {
      const reason = wantedNow.get(each.name) ? each.unavailable() : null;
      return reason ? [{ module: each.name, reason }] : [];
    }),
  });

  const turn = async (each: ModuleSwitch, on: boolean) => {
    if (on === running.has(each.name)) return;
    if (on && each.unavailable()) return;

    try {
      if (on) await each.start();
      else await each.stop();
      if (on) running.add(each.name);
      else running.delete(each.name);
      log.info({ switched: each.name, running: on }, on ? 'module started' : 'module stopped');
    } catch (err) {
      log.error({ err, switched: each.name, running: on }, 'module switch failed');
      // Half a start is undone and half a stop counts as stopped: nothing keeps running unseen.
      if (on) await each.stop().catch(() => undefined);
      running.delete(each.name);
    }
  };

  const change = async (wanted: Partial<Record<ModuleName, boolean>>, next: number) => {
    for (const [name, on] of Object.entries(wanted)) wantedNow.set(name as ModuleName, on);
    version = next;
    for (const each of [...switches].reverse()) {
      if (wantedNow.get(each.name) === false) await turn(each, false);
    }
    for (const each of switches) {
      if (wantedNow.get(each.name) === true) await turn(each, true);
    }
    return report();
  };

  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const done = queue.then(work);
    queue = done.catch(() => undefined);
    return done;
  };

  const restart = async (name: ModuleName) => {
    const each = switches.find((candidate) => candidate.name === name);
    if (each && running.has(name)) {
      await turn(each, false);
      await turn(each, true);
    }
    return report();
  };

  return {
    apply: (wanted, next) => serially(() => change(wanted, next)),
    restart: (name) => serially(() => restart(name)),
    isRunning: (name) => running.has(name),
    report,
    stopAll: async () => {
      await queue;
      for (const each of [...switches].reverse()) await turn(each, false);
    },
  };
}

/**
 * An Express door that leads to a module's router while the module runs and past it while
 * it does not: a router mounted once cannot be taken off an Express app.
 */
export function routerDoor(current: () => express.Router | null): express.Router {
  const door = express.Router();
  door.use((request, response, next) => {
    const router = current();
    if (!router) return next();

    router(request, response, next);
  });
  return door;
}

/**
 * The HTTP server as socket.io sees it, one stand-in per module start: requests and upgrades
 * under the module's socket path go to the stand-in of the run that is current. socket.io
 * keeps its listeners on whatever server it was attached to, so attaching a restarted module
 * to the real server would leave the stopped one answering first.
 */
export function socketLanes(server: http.Server) {
  const lanes = new Map<string, EventEmitter>();
  const laneOf = (url: string | undefined) => {
    for (const [path, lane] of lanes) if (url?.startsWith(path)) return lane;
    return null;
  };
  const others = server.listeners('request') as http.RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    const lane = laneOf(request.url);
    if (lane) return void lane.emit('request', request, response);

    for (const listener of others) listener.call(server, request, response);
  });
  const known = new Set<string>();
  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const lane = laneOf(request.url);
    if (lane) return void lane.emit('upgrade', request, socket, head);

    // A page of a module switched off would otherwise wait on an upgrade nobody answers.
    if ([...known].some((path) => request.url?.startsWith(path))) socket.destroy();
  });

  return {
    /** A fresh stand-in for `path` (with its trailing slash), replacing the previous one. */
    open(path: string): http.Server {
      // socket.io takes an object without `listen` for its options rather than a server.
      const lane = Object.assign(new EventEmitter(), { listen: () => lane });
      known.add(path);
      lanes.set(path, lane);
      return lane as unknown as http.Server;
    },
    close(path: string) {
      lanes.get(path)?.emit('close');
      lanes.delete(path);
    },
  };
}
