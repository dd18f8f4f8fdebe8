import { join } from 'node:path';
import type { Clock } from '../../../core/index.ts';
import { type Bus, type BusClient, startBus } from '../../../edge/bus/index.ts';
import {
  type Queue,
  QueueConfig,
  type QueueConfigInput,
  startQueue,
} from '../../../edge/queue/index.ts';
import { openStore, type Store } from '../../../edge/store/index.ts';
import { DeviceProfile } from '../../../firmware-config/index.ts';
import type { QueueMinute } from '../../../protocol/index.ts';
import { type CapturedContext, testContext } from '../../support/context.ts';

export const branch = 'branch/7';
/** The paired web kiosks of the killed gateway process (fixtures/gateway-process.ts). */
export const kioskScreens = ['kiosk-web-1', 'kiosk-web-2'];
/**
 * The kiosk's GPIO button in that process's queue config: a cash ticket per press. Its
 * profile lets the simulator's GPIO stand in on a machine without one.
 */
export const buttonProfile = DeviceProfile.parse({
  device: 'gpio-button',
  kind: 'button',
  model: 'Kiosk button',
  version: 1,
  connection: { type: 'gpio', pin: 17 },
  bus: { username: 'gpio-button', password: 'pw-gpio-button' },
  sampling: { debounceMs: 5 },
  allowSimulated: true,
});

/** Cash (A), card services (B, higher class) and advisory (C); three counters. */
export const sampleConfig: QueueConfigInput = {
  timeZone: 'Europe/Berlin',
  services: [
    { id: 'cash', name: 'Cash', prefix: 'A', priority: 0, targetWaitMinutes: 10 },
    { id: 'cards', name: 'Card services', prefix: 'B', priority: 1, targetWaitMinutes: 10 },
    { id: 'advice', name: 'Advice', prefix: 'C', priority: 0, targetWaitMinutes: 20 },
  ],
  counters: [
    { id: '3', name: 'Window 3', services: ['cash', 'cards'] },
    { id: '4', name: 'Window 4', services: ['cash', 'cards'] },
    { id: 'desk', name: 'Advisor desk', services: ['advice'], initialState: 'closed' },
  ],
};

export interface Gateway {
  bus: Bus;
  store: Store;
  queue: Queue;
  context: CapturedContext;
  minutes: QueueMinute[];
  stop(): Promise<void>;
}

export interface GatewayOptions {
  dir: string;
  clock: Clock;
  config?: QueueConfigInput;
  clients?: BusClient[];
  port?: number;
  /** The branch id; default `branch/7`. */
  branch?: string;
  /** Where minutes go; a fresh list per gateway unless shared across a restart. */
  minutes?: QueueMinute[];
}

/** A real bus on a TCP port, a real SQLite file and the queue on both. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const context = testContext(options.clock);
  const store = openStore(join(options.dir, 'gateway.sqlite'), context);
  const bus = await startBus(
    { branch: options.branch ?? branch, port: options.port ?? 0, clients: options.clients ?? [] },
    context,
  );
  const minutes = options.minutes ?? [];
  const queue = await startQueue(
    {
      branch: options.branch ?? branch,
      config: QueueConfig.parse(options.config ?? sampleConfig),
      db: store.db,
      bus,
      recordMinute: (minute) => void minutes.push(minute),
    },
    context,
  );

  return {
    bus,
    store,
    queue,
    context,
    minutes,
    stop: async () => {
      await queue.stop();
      await bus.close();
      store.close();
    },
  };
}

let requests = 0;

/** A request id never used before in this test file. */
export const requestId = (label = 'r') => `${label}-${++requests}`;
