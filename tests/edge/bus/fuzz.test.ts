import { join } from 'node:path';
import fc from 'fast-check';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/index.ts';
import { type Gateway, GatewayConfig, startGateway } from '../../../edge/runtime.ts';
import {
  type Channel,
  maxPayloadBytes,
  Stream,
  topic,
  topicTemplates,
} from '../../../protocol/index.ts';
import { samples } from '../../protocol/samples.ts';
import { tempDir, testContext } from '../../support/context.ts';

const branch = 'fuzz-branch';
const dir = tempDir('sb-fuzz-');
const context = testContext();
let gateway: Gateway;
let fuzzer: MqttClient;

beforeAll(async () => {
  gateway = await startGateway(
    parseConfig(
      'gateway',
      {
        gateway: 'fuzz-gw',
        branch,
        branchName: 'Fuzz',
        dataDir: join(dir.path, 'gateway'),
        http: { port: 0 },
        bus: {
          port: 0,
          clients: [
            {
              username: 'fuzzer',
              password: 'fuzz-pass',
              publish: [`sb/v1/${branch}/#`],
              subscribe: [],
            },
          ],
        },
        queue: {
          timeZone: 'Asia/Shanghai',
          services: [{ id: 'cash', name: 'Cash', prefix: 'A', priority: 1, targetWaitMinutes: 10 }],
          counters: [{ id: '1', name: 'Counter 1', services: ['cash'] }],
        },
      },
      GatewayConfig,
    ),
    context,
  );
  fuzzer = await mqtt.connectAsync(gateway.busUrl, {
    username: 'fuzzer',
    password: 'fuzz-pass',
    reconnectPeriod: 0,
  });
});

afterAll(async () => {
  await fuzzer?.endAsync();
  await gateway?.stop();
  dir.remove();
});

const channels = Object.keys(topicTemplates) as Channel[];

/** Topics of every channel, with odd ids encoded into them or `..` spelt as a raw level. */
const topicArbitrary = fc.oneof(
  fc
    .record({
      channel: fc.constantFrom(...channels),
      id: fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }),
    })
    .map(({ channel, id }) => {
      const params = {
        branch,
        device: id,
        camera: id,
        counter: id,
        client: id,
        zone: id,
        screen: id,
      };
      try {
        return topic(channel, params as never);
      } catch {
        // An id the protocol refuses to encode goes in raw, as a hostile device would send it;
        // MQTT forbids wildcards and NUL in a published topic [MQTT-3.3.2-2], so those go.
        const raw = id.replace(/[+#]/g, '_').replaceAll('\u0000', '_');
        return `sb/v1/${branch}/${topicTemplates[channel].replace(/\{[a-z]+\}/g, raw)}`;
      }
    }),
  fc
    .constantFrom(...channels)
    .map((channel) => `sb/v1/${branch}/${topicTemplates[channel].replace(/\{[a-z]+\}/g, '..')}`),
);

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

/** A valid message with one field given a value of the wrong type. */
const wrongType = fc
  .record({
    channel: fc.constantFrom(...channels),
    value: fc.oneof(
      fc.constant(null),
      fc.integer(),
      fc.string(),
      fc.constant([]),
      fc.constant({ nested: { deeper: true } }),
    ),
    field: fc.nat(),
  })
  .map(({ channel, value, field }) => {
    const sample = { ...(samples[channel] as Record<string, unknown>) };
    const keys = Object.keys(sample);
    sample[keys[field % keys.length] as string] = value;
    return JSON.stringify(sample);
  });

const payloadArbitrary = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.json(),
  wrongType,
  fc.integer({ min: 1_000, max: 60_000 }).map(deep),
  fc.constant('x'.repeat(maxPayloadBytes + 1)),
  fc
    .string({ unit: fc.integer({ min: 0, max: 31 }).map((code) => String.fromCharCode(code)) })
    .map((text) => JSON.stringify({ device: text, at: text, requestId: text, replyTo: text })),
  fc.constant('{"device":"\\ud800","at":1}'),
);

function snapshot() {
  const stats = gateway.stats();
  return {
    lastSeq: Stream.options.map((stream) => gateway.outbox.position(stream).lastSeq),
    issued: stats.queue,
    screens: stats.screens,
    devices: stats.devices,
  };
}

describe('bad input on every topic the gateway hears', () => {
  it('refuses random and malformed payloads, counts them, logs few lines and changes nothing', async () => {
    const before = snapshot();
    const rejectedBefore = gateway.stats().bus.rejected;
    let sent = 0;

    await fc.assert(
      fc.asyncProperty(topicArbitrary, payloadArbitrary, async (name, payload) => {
        await fuzzer.publishAsync(name, payload, { qos: 1 });
        sent += 1;
      }),
      { numRuns: 300, seed: 11 },
    );
    // One valid but harmless publish after them all, so everything before it was handled.
    await fuzzer.publishAsync(
      topic('deviceTelemetry', { branch, device: 'door/1' }),
      JSON.stringify(samples.deviceTelemetry),
      { qos: 1 },
    );

    const refusedLines = context.lines.filter((line) => line.msg === 'message refused');
    expect(fuzzer.connected).toBe(true);
    expect(gateway.stats().bus.rejected - rejectedBefore).toBeGreaterThan(100);
    expect(refusedLines.length).toBeLessThan(sent / 2);
    expect(snapshot()).toEqual(before);
    const health = await fetch(`${gateway.httpUrl}/healthz`);
    expect(health.status).toBe(200);
  }, 120_000);
});
