import { join } from 'node:path';
import mqtt from 'mqtt';
import { hashPassword, parseConfig } from '../../../core/index.ts';
import { type Gateway, GatewayConfig, startGateway } from '../../../edge/runtime.ts';
import {
  type Channel,
  decodeMessage,
  type MessageOf,
  topicFilter,
  topicMatches,
} from '../../../protocol/index.ts';
import { type CapturedContext, tempDir, testContext } from '../../support/context.ts';

export const technician = { username: 'tech', password: 'tech-pass' };
export const branch = 'ui-branch';

/** A simulated button whose bus login the gateway knows, as a technician provisions it. */
export const buttonProfile = {
  device: 'button-7',
  kind: 'button',
  model: 'Call button',
  version: 1,
  connection: { type: 'gpio', pin: 17 },
  bus: { username: 'button-7', password: 'button-pass' },
  allowSimulated: true,
};

export const queue = {
  timeZone: 'Asia/Shanghai',
  services: [
    { id: 'cash', name: 'Cash', prefix: 'A', targetWaitMinutes: 10 },
    { id: 'loans', name: 'Loans', prefix: 'L', targetWaitMinutes: 20 },
  ],
  counters: [
    { id: '1', name: 'Window 1', services: ['cash', 'loans'] },
    { id: '2', name: 'Window 2', services: ['cash'], initialState: 'closed' },
  ],
};

export interface UiHarness {
  gateway: Gateway;
  url: string;
  context: CapturedContext;
  dataDir: string;
  cookie: string;
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Every message of a channel from now on, heard over TCP as a bus client would. */
  observe<C extends Channel>(channel: C): Promise<MessageOf<C>[]>;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  automation?: boolean;
  cameras?: unknown[];
  extra?: Record<string, unknown>;
  /** More bus logins, e.g. the simulator's. */
  busClients?: unknown[];
  /** A folder kept across gateways (a restart); the caller removes it. Default: a new one. */
  folder?: string;
}

export async function login(url: string): Promise<string> {
  const response = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(technician).toString(),
  });
  const cookie = response.headers.get('set-cookie') ?? '';
  return cookie.split(';')[0] ?? '';
}

/** A whole gateway (no uplink) on port 0 with a technician, a synthetic camera and a queue. */
export async function startUiGateway(options: HarnessOptions = {}): Promise<UiHarness> {
  const dir = options.folder ? { path: options.folder, remove: () => {} } : tempDir('sb-ui-');
  const context = testContext();
  const config = parseConfig(
    'gateway',
    {
      gateway: 'ui-gw',
      branch,
      branchName: 'UI branch',
      dataDir: join(dir.path, 'gateway'),
      http: { port: 0 },
      allowSimulatedDevices: true,
      bus: {
        port: 0,
        clients: [
          {
            username: 'button-7',
            password: 'button-pass',
            publish: [`sb/v1/${branch}/device/button-7/#`],
            subscribe: [`sb/v1/${branch}/device/button-7/#`],
          },
          { username: 'observer', password: 'observer-pass', subscribe: [`sb/v1/${branch}/#`] },
          ...(options.busClients ?? []),
        ],
      },
      technicians: [
        { username: technician.username, password: await hashPassword(technician.password) },
      ],
      cameras: options.cameras ?? [{ id: 'cam-1', source: { kind: 'synthetic', seed: 3 }, fps: 2 }],
      screens: {
        timeZone: 'Asia/Shanghai',
        cacheDir: join(dir.path, 'cache'),
        screens: [
          {
            id: 'board-1',
            name: 'Queue board',
            zone: 'waiting',
            resolution: '1280x720',
            orientation: 'landscape',
            role: 'queue-board',
          },
        ],
      },
      queue,
      ...(options.automation ? { automation: {} } : {}),
      ...(options.extra ?? {}),
    },
    GatewayConfig,
  );
  const gateway = await startGateway(config, context);
  const cookie = await login(gateway.httpUrl);
  const observer = await mqtt.connectAsync(gateway.busUrl, {
    username: 'observer',
    password: 'observer-pass',
    reconnectPeriod: 0,
  });

  return {
    gateway,
    url: gateway.httpUrl,
    context,
    dataDir: config.dataDir,
    cookie,
    api: (path, init = {}) =>
      fetch(`${gateway.httpUrl}${path}`, {
        ...init,
        headers: { cookie, 'content-type': 'application/json', ...(init.headers ?? {}) },
      }),
    observe: async (channel) => {
      const seen: MessageOf<typeof channel>[] = [];
      // Only the branch is given: every other id level matches any.
      const filter = topicFilter(channel, { branch } as never);
      observer.on('message', (topic, payload) => {
        if (!topicMatches(filter, topic)) return;
        const decoded = decodeMessage(channel, payload);
        if (decoded.ok) seen.push(decoded.message);
      });
      await observer.subscribeAsync(filter);
      return seen;
    },
    stop: async () => {
      await observer.endAsync();
      await gateway.stop();
      dir.remove();
    },
  };
}
