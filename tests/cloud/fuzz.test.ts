import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import fc from 'fast-check';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, startCloud } from '../../cloud/index.ts';
import { type Channel, maxPayloadBytes, topic } from '../../protocol/index.ts';
import { samples } from '../protocol/samples.ts';
import { eventually } from '../support/context.ts';
import { connect, enrol } from './peer.ts';
import { loggingContext, sqliteTarget, tempFolder, testConfig } from './support.ts';

const folder = tempFolder('sb-cloud-fuzz-');
const context = loggingContext(Date.UTC(2026, 11, 4));
const branch = 'north#1';
let cloud: Cloud;
let fuzzer: MqttClient;
let reader: BetterSqlite3.Database;

/** Every channel some part of the cloud subscribes to, read from the cloud's own source. */
function channelsTheCloudHears(): Channel[] {
  const files = readdirSync('cloud', { recursive: true, encoding: 'utf8' });
  const found = files
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) => [
      ...readFileSync(join('cloud', file), 'utf8').matchAll(/onMessage\(topicFilter\('(\w+)'/g),
    ])
    .map((match) => match[1] as Channel);
  return [...new Set(found)].sort();
}

const channels = channelsTheCloudHears();

beforeAll(async () => {
  cloud = await startCloud(testConfig(sqliteTarget(folder.path)), context);
  const enrolment = await enrol(cloud.httpUrl, await cloud.createEnrolmentToken(branch), 'gw-fuzz');
  fuzzer = await connect(cloud.brokerUrl, enrolment.broker.username, enrolment.broker.password);
  reader = new BetterSqlite3(join(folder.path, 'cloud.db'), { readonly: true });
});

afterAll(async () => {
  reader?.close();
  await fuzzer?.endAsync();
  await cloud?.stop();
  folder.remove();
});

/** Every row of every table, so a change anywhere in the store shows. */
function storeContents() {
  const tables = reader
    .prepare("select name from sqlite_master where type = 'table' order by name")
    .all() as Array<{ name: string }>;
  return Object.fromEntries(
    tables.map(({ name }) => [name, reader.prepare(`select * from "${name}"`).all()]),
  );
}

async function refusedSoFar(): Promise<number> {
  const metric = await context.registry.getSingleMetric('sb_cloud_messages_refused_total')?.get();
  return (metric?.values ?? []).reduce((sum, value) => sum + value.value, 0);
}

const hostileIds = ['..', '../../etc', '+', '#', 'sb/v1/#', 'gw-fuzz/..', '\u0000', ''];

/** A sample message of the channel with one field replaced by a wrong or hostile value. */
const spoiled = fc
  .record({
    channel: fc.constantFrom(...channels),
    value: fc.oneof(
      fc.constant(null),
      fc.integer(),
      fc.string(),
      fc.constantFrom(...hostileIds),
      fc.constant([]),
      fc.constant({ nested: { deeper: true } }),
    ),
    field: fc.nat(),
  })
  .map(({ channel, value, field }) => {
    const sample = { ...(samples[channel] as Record<string, unknown>) };
    const keys = Object.keys(sample);
    sample[keys[field % keys.length] as string] = value;
    return { channel, payload: JSON.stringify(sample) };
  });

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

const rawPayload = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.json(),
  fc.integer({ min: 1_000, max: 60_000 }).map(deep),
  fc.constant('x'.repeat(maxPayloadBytes + 1)),
  fc
    .string({ unit: fc.integer({ min: 0, max: 31 }).map((code) => String.fromCharCode(code)) })
    .map((text) => JSON.stringify({ gateway: text, at: text, pullId: text, commandId: text })),
  fc.constant('{"gateway":"\\ud800","at":1}'),
);

const message = fc.oneof(
  spoiled,
  fc.record({ channel: fc.constantFrom(...channels), payload: rawPayload }),
);

describe('bad input on every topic the cloud hears', () => {
  it('covers pulled answers, live status, alarms, rollout reports, command acks, redemptions', () => {
    expect(channels).toEqual([
      'alarm',
      'commandAck',
      'liveStatus',
      'pullResponse',
      'redeemRequest',
      'rolloutReport',
    ]);
  });

  it('refuses every malformed message, counts each, logs few lines and changes nothing', async () => {
    await fuzzer.publishAsync(topic('liveStatus', { branch }), '{}', { qos: 1 });
    await eventually(async () => (await refusedSoFar()) === 1, 'the first refusal');
    const before = storeContents();
    let sent = 0;

    await fc.assert(
      fc.asyncProperty(message, async ({ channel, payload }) => {
        await fuzzer.publishAsync(topic(channel, { branch } as never), payload, { qos: 1 });
        sent += 1;
      }),
      { numRuns: 300, seed: 11 },
    );
    // Extra levels and `..` in the topic match no subscription: heard by nobody, so not counted.
    for (const channel of channels) {
      await fuzzer.publishAsync(`${topic(channel, { branch } as never)}/..`, '{}', { qos: 1 });
    }
    await eventually(async () => (await refusedSoFar()) === sent + 1, 'every refusal counted');

    const refusedLines = context.lines.filter((line) => String(line.msg).endsWith('refused'));
    expect(fuzzer.connected).toBe(true);
    expect(refusedLines.length).toBeLessThanOrEqual(channels.length);
    expect(storeContents()).toEqual(before);
    expect((await fetch(`${cloud.httpUrl}/healthz`)).status).toBe(200);
  }, 120_000);

  it('still stores a good live status afterwards', async () => {
    const status = { ...samples.liveStatus, gateway: 'gw-fuzz', at: context.clock.now() };

    await fuzzer.publishAsync(topic('liveStatus', { branch }), JSON.stringify(status), { qos: 1 });

    await eventually(
      () => reader.prepare('select gateway from gateway_status').all().length === 1,
      'the stored status',
    );
  });
});
