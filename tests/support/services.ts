import net from 'node:net';
import { afterAll } from 'vitest';

/**
 * Addresses of the external services the suite talks to. Under CI=true an unreachable service
 * fails the run; elsewhere its tests are skipped with the reason.
 */
export const pgUrl = process.env.SB_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const mqttUrl = process.env.SB_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
export const inCi = process.env.CI === 'true';

export function reachable(url: string, timeoutMs = 1500): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const defaultPort = url.startsWith('postgres') ? 5432 : 1883;
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Whether to run tests needing `url`; throws under CI so a missing service is a failure. */
export async function serviceAvailable(name: string, url: string): Promise<boolean> {
  if (await reachable(url)) return true;
  if (inCi) throw new Error(`${name} at ${url} is unreachable and CI=true: failing, not skipping`);
  console.warn(`skipping ${name} tests: ${url} is unreachable`);
  return false;
}

/** A free TCP port on 127.0.0.1, for servers that cannot listen on port 0 themselves. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Registers cleanups that run after the file's tests, last registered first. */
export function cleanupAfterAll() {
  const tasks: (() => unknown)[] = [];
  afterAll(async () => {
    for (const task of tasks.reverse()) await task();
  });
  return (task: () => unknown) => tasks.push(task);
}
