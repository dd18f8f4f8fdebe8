import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../support/context.ts';
import { startUiGateway, type UiHarness } from './harness.ts';

let harness: UiHarness;

afterAll(async () => {
  await harness?.stop();
});

/** A sample's value by its name and some of its labels (the registry adds `process`). */
function figure(text: string, name: string, label = ''): number | null {
  const found = text
    .split('\n')
    .find(
      (entry) =>
        (entry.startsWith(`${name}{`) || entry.startsWith(`${name} `)) && entry.includes(label),
    );
  return found ? Number(found.split(' ').at(-1)) : null;
}

describe("the gateway's health and metrics", () => {
  it('answers /healthz and /readyz while its store and bus serve', async () => {
    harness = await startUiGateway();

    const health = await fetch(`${harness.url}/healthz`);
    expect(health.status).toBe(200);
    // The same shape as the cloud's, so one probe reads both.
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${harness.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('serves messages out, backlog per stream, frames per second and queue length', async () => {
    const text = await eventually(
      async () => {
        const body = await (await fetch(`${harness.url}/metrics`)).text();
        return (figure(body, 'smartbranch_sensing_fps', 'camera="cam-1"') ?? 0) > 0 ? body : null;
      },
      'the camera running',
      20_000,
    );

    expect(figure(text, 'sb_bus_messages_out_total')).toBeGreaterThan(0);
    expect(figure(text, 'sb_outbox_backlog_records', 'stream="audience"')).toBeGreaterThanOrEqual(
      0,
    );
    expect(figure(text, 'sb_outbox_backlog_records', 'stream="queue"')).toBe(0);
    expect(figure(text, 'sb_queue_waiting')).toBe(0);
    expect(figure(text, 'smartbranch_sensing_fps', 'camera="cam-1"')).toBeLessThanOrEqual(2);
  }, 30_000);
});
