import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerAccess } from '../../cloud/fleet/access.ts';
import { type Cloud, startCloud } from '../../cloud/index.ts';
import { openStore } from '../../cloud/store/index.ts';
import { hashPassword, randomSecret } from '../../core/index.ts';
import { type EnrolResponse, topic } from '../../protocol/index.ts';
import { rawConnect } from '../support/raw-mqtt.ts';
import { connect, enrol } from './peer.ts';
import { sqliteTarget, tempFolder, testConfig, testContext } from './support.ts';

const folder = tempFolder();
let cloud: Cloud;
let north: EnrolResponse;
let south: EnrolResponse;
const clients: MqttClient[] = [];

beforeAll(async () => {
  cloud = await startCloud(testConfig(sqliteTarget(folder.path)), testContext());
  north = await enrol(cloud.httpUrl, await cloud.createEnrolmentToken('north#1'), 'gw-north');
  south = await enrol(cloud.httpUrl, await cloud.createEnrolmentToken('south/2'), 'gw-south');
});

afterAll(async () => {
  for (const client of clients) await client.endAsync(true);
  await cloud.stop();
  folder.remove();
});

async function gateway(enrolment: EnrolResponse, clientId = enrolment.gateway) {
  const client = await connect(
    cloud.brokerUrl,
    enrolment.broker.username,
    enrolment.broker.password,
    clientId,
  );
  clients.push(client);
  return client;
}

/** What a client receives. MQTT has no "nothing came" event, so tests wait on a marker. */
function inbox(client: MqttClient) {
  const received: string[] = [];
  client.on('message', (name) => received.push(name));
  return received;
}

/** The QoS granted per filter, 128 where refused [MQTT-3.9.3]; MQTT.js rejects on any 128. */
async function grants(client: MqttClient, filters: string[]): Promise<number[]> {
  try {
    return (await client.subscribeAsync(filters, { qos: 1 })).map((grant) => grant.qos);
  } catch (err) {
    return (err as { packet: { granted: number[] } }).packet.granted;
  }
}

async function until(condition: () => boolean) {
  for (let attempt = 0; attempt < 200 && !condition(); attempt++)
    await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error('condition not met');
}

describe('the cloud broker over TCP', () => {
  it('refuses a wrong password', async () => {
    await expect(connect(cloud.brokerUrl, 'gw-north', 'not-the-password')).rejects.toThrow(
      /Bad username or password/i,
    );
  });

  it('refuses a wrong password after the right one connected', async () => {
    const right = await connect(cloud.brokerUrl, 'gw-north', north.broker.password, 'north-a');
    await right.endAsync();

    await expect(connect(cloud.brokerUrl, 'gw-north', `${north.broker.password}x`)).rejects.toThrow(
      /Bad username or password/i,
    );
  });

  it('refuses the password of an earlier enrolment once the gateway enrolled again', async () => {
    const first = await enrol(
      cloud.httpUrl,
      await cloud.createEnrolmentToken('south/2'),
      'gw-south-b',
    );
    const before = await connect(cloud.brokerUrl, 'gw-south-b', first.broker.password, 'east-a');
    await before.endAsync();
    const second = await enrol(
      cloud.httpUrl,
      await cloud.createEnrolmentToken('south/2'),
      'gw-south-b',
    );

    await expect(
      connect(cloud.brokerUrl, 'gw-south-b', first.broker.password, 'east-b'),
    ).rejects.toThrow(/Bad username or password/i);
    const after = await connect(cloud.brokerUrl, 'gw-south-b', second.broker.password, 'east-c');
    expect(after.connected).toBe(true);
    await after.endAsync();
  });

  it('admits a gateway whose password is stored as an scrypt hash from before', async () => {
    const password = randomSecret();
    await storeGateway('gw-legacy', 'north#1', await hashPassword(password));

    await expect(connect(cloud.brokerUrl, 'gw-legacy', `${password}x`)).rejects.toThrow(
      /Bad username or password/i,
    );
    const client = await connect(cloud.brokerUrl, 'gw-legacy', password, 'legacy-a');
    expect(client.connected).toBe(true);
    await client.endAsync();
    const again = await connect(cloud.brokerUrl, 'gw-legacy', password, 'legacy-b');
    expect(again.connected).toBe(true);
    await again.endAsync();
  });

  it('refuses a gateway that is not enrolled', async () => {
    await expect(connect(cloud.brokerUrl, 'gw-ghost', 'whatever-it-is')).rejects.toThrow(
      /Bad username or password/i,
    );
  });

  it('lets a gateway publish and subscribe under its own branch', async () => {
    const client = await gateway(north);
    const received = inbox(client);
    const own = topic('liveStatus', { branch: 'north#1' });

    const granted = await client.subscribeAsync(own, { qos: 1 });
    await client.publishAsync(own, '{}', { qos: 1 });

    expect(granted[0]?.qos).toBe(1);
    await until(() => received.includes(own));
  });

  it('refuses a subscription to another branch and to wildcards above the branch', async () => {
    const client = await gateway(north, 'gw-north-sub');
    const filters = [
      topic('pullRequest', { branch: 'south/2' }),
      'sb/v1/+/uplink/pull/request',
      'sb/v1/#',
      '#',
      'sb/v1/north%231',
    ];

    expect(await grants(client, filters)).toEqual([128, 128, 128, 128, 128]);
    expect(await grants(client, [topic('alarm', { branch: 'north#1' })])).toEqual([1]);
  });

  it("never delivers one branch's messages to the other gateway", async () => {
    const northClient = await gateway(north, 'gw-north-reader');
    const southClient = await gateway(south);
    const northInbox = inbox(northClient);
    const southInbox = inbox(southClient);
    const refused = await grants(northClient, ['sb/v1/+/#', topic('alarm', { branch: 'south/2' })]);
    await southClient.subscribeAsync(topic('alarm', { branch: 'south/2' }), { qos: 1 });

    await southClient.publishAsync(topic('alarm', { branch: 'south/2' }), '{}', { qos: 1 });
    await until(() => southInbox.length === 1);

    expect(refused).toEqual([128, 128]);
    expect(northInbox).toEqual([]);
  });

  it('disconnects a gateway publishing on another branch; the message goes nowhere', async () => {
    const southClient = await gateway(south, 'gw-south-listener');
    const southInbox = inbox(southClient);
    await southClient.subscribeAsync(topic('pullResponse', { branch: 'south/2' }), { qos: 1 });
    const intruder = await gateway(north, 'gw-north-intruder');
    const closed = new Promise<void>((resolve) => intruder.once('close', () => resolve()));

    intruder.publish(topic('pullResponse', { branch: 'south/2' }), '{"forged":true}', { qos: 1 });
    await closed;
    await southClient.publishAsync(topic('pullResponse', { branch: 'south/2' }), 'marker', {
      qos: 1,
    });
    await until(() => southInbox.length >= 1);

    expect(southInbox).toEqual([topic('pullResponse', { branch: 'south/2' })]);
  });

  it("refuses a gateway that takes another gateway's client id", async () => {
    await gateway(south, 'shared-id');

    await expect(gateway(north, 'shared-id')).rejects.toThrow(/Not authorized/i);
  });

  it('checks a will with the publish ACL: a will on another branch is not delivered', async () => {
    const southClient = await gateway(south, 'gw-south-will-reader');
    const northReader = await gateway(north, 'gw-north-will-reader');
    const southInbox = inbox(southClient);
    const northInbox = inbox(northReader);
    await southClient.subscribeAsync(topic('commandRequest', { branch: 'south/2' }), { qos: 1 });
    await northReader.subscribeAsync(topic('alarm', { branch: 'north#1' }), { qos: 1 });

    await dieWithWill(north, topic('commandRequest', { branch: 'south/2' }));
    await dieWithWill(north, topic('alarm', { branch: 'north#1' }));
    await until(() => northInbox.length === 1);
    await southClient.publishAsync(topic('commandRequest', { branch: 'south/2' }), 'marker', {
      qos: 1,
    });
    await until(() => southInbox.length === 1);

    // The north gateway's will on its own branch came; the one aimed at south never did.
    expect(northInbox).toEqual([topic('alarm', { branch: 'north#1' })]);
    expect(southInbox).toEqual([topic('commandRequest', { branch: 'south/2' })]);
  });

  it('keeps no session, and so no will, across a restart of the cloud', async () => {
    const login = {
      clientId: 'gw-north-session',
      clean: false,
      username: north.broker.username,
      password: north.broker.password,
    };
    const first = await rawConnect(cloud.brokerUrl, login);
    const subscriptions = [{ topic: topic('commandRequest', { branch: 'north#1' }), qos: 1 }];
    first.client.send({ cmd: 'subscribe', messageId: 1, subscriptions } as never);
    await first.client.next('suback');
    first.client.send({ cmd: 'disconnect' });
    await first.client.closed;
    const again = await rawConnect(cloud.brokerUrl, login);
    again.client.drop();

    await cloud.stop();
    cloud = await startCloud(testConfig(sqliteTarget(folder.path)), testContext());
    const afterRestart = await rawConnect(cloud.brokerUrl, login);
    afterRestart.client.drop();

    // aedes keeps sessions and wills in memory: the restarted broker has neither.
    expect(again.connack.sessionPresent).toBe(true);
    expect(afterRestart.connack.sessionPresent).toBe(false);
  });

  it('refuses a will restored without its client, whose branch nobody can check', () => {
    const access = new BrokerAccess(null as never, testContext());

    const refused = access.topicError(null, topic('alarm', { branch: 'south/2' }), 'publish');

    expect(refused?.message).toBe('a will without its client');
  });
});

/** Writes a gateway as an older release enrolled it, beside the running cloud. */
async function storeGateway(gateway: string, branch: string, passwordHash: string) {
  const store = await openStore(sqliteTarget(folder.path), testContext());
  const row = { version: '0.1.0', enrolled_at: 0, rotated_at: 0 };
  await store.db
    .insertInto('gateways')
    .values({ id: gateway, branch, password_hash: passwordHash, ...row })
    .execute();
  await store.close();
}

/** Connects as a gateway with a will, then cuts the link so the broker publishes the will. */
async function dieWithWill(enrolment: EnrolResponse, willTopic: string) {
  const client = await mqtt.connectAsync(cloud.brokerUrl, {
    username: enrolment.broker.username,
    password: enrolment.broker.password,
    clientId: `${enrolment.gateway}-will-${willTopic.length}`,
    reconnectPeriod: 0,
    will: { topic: willTopic, payload: Buffer.from('{"will":true}'), qos: 1, retain: false },
  });
  client.stream.destroy();
}
