import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bus, startBus } from '../../../edge/bus/index.ts';
import { deviceFilter, topic } from '../../../protocol/index.ts';
import { eventually, testContext } from '../../support/context.ts';
import { rawConnect } from '../../support/raw-mqtt.ts';

const branch = 'will-branch';
const context = testContext();
const clients = [
  {
    username: 'door/3',
    password: 'pw-door',
    publish: [deviceFilter(branch, 'door/3')],
    subscribe: [deviceFilter(branch, 'door/3')],
  },
];
let bus: Bus;

beforeAll(async () => {
  bus = await startBus({ branch, port: 0, clients }, context);
});

afterAll(() => bus.close());

const stateOf = (device: string) => topic('deviceState', { branch, device });
const offline = (device: string) => JSON.stringify({ device, at: 1, state: 'offline' });

/** Connects door/3 with a will, then cuts the link so the broker must publish the will. */
async function dieWithWill(url: string, willTopic: string, payload: string) {
  const options: IClientOptions = {
    username: 'door/3',
    password: 'pw-door',
    clientId: `door-3-${willTopic.length}-${payload.length}`,
    reconnectPeriod: 0,
    will: { topic: willTopic, payload: Buffer.from(payload), qos: 1, retain: false },
  };
  const client: MqttClient = await mqtt.connectAsync(url, options);
  client.stream.destroy();
}

const refusedWills = () =>
  context.lines.filter((line) => line.msg === 'bus publish refused').map((line) => line.topic);

describe('Last Will and Testament on the gateway bus', () => {
  it('checks a will with the publish ACL: another device’s or a queue topic is not delivered', async () => {
    const states: unknown[] = [];
    const tickets: unknown[] = [];
    const offStates = await bus.subscribe(
      'deviceState',
      {},
      (message) => void states.push(message),
    );
    const offTickets = await bus.subscribe(
      'queueIssue',
      {},
      (message) => void tickets.push(message),
    );
    const forgedTicket = JSON.stringify({ requestId: 'w1', service: 'cash', source: 'bus' });

    await dieWithWill(bus.url, stateOf('door/4'), offline('door/4'));
    await dieWithWill(bus.url, topic('queueIssue', { branch }), forgedTicket);
    await eventually(() => refusedWills().length === 2, 'both wills refused');
    // The same device's will on its own topic goes through: the wills above were refused, not
    // lost for some other reason.
    await dieWithWill(bus.url, stateOf('door/3'), offline('door/3'));
    await eventually(() => states.length === 1, 'the permitted will');

    expect(refusedWills()).toEqual([stateOf('door/4'), topic('queueIssue', { branch })]);
    expect(states).toEqual([JSON.parse(offline('door/3'))]);
    expect(tickets).toEqual([]);
    await offStates();
    await offTickets();
  });

  it('keeps no session, and so no will, across a restart of the bus', async () => {
    const own = {
      clientId: 'door-3-session',
      clean: false,
      username: 'door/3',
      password: 'pw-door',
    };
    const first = await rawConnect(bus.url, own);
    first.client.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [{ topic: deviceFilter(branch, 'door/3'), qos: 1 }],
    });
    await first.client.next('suback');
    first.client.send({ cmd: 'disconnect' });
    await first.client.closed;
    const again = await rawConnect(bus.url, own);
    again.client.drop();

    const restarted = await startBus({ branch, port: 0, clients }, context);
    const afterRestart = await rawConnect(restarted.url, own);
    afterRestart.client.drop();
    await restarted.close();

    // aedes keeps sessions, wills and QoS 2 state in its in-memory persistence: the bus
    // before the restart had the session, the one after has nothing, wills included.
    expect(again.connack.sessionPresent).toBe(true);
    expect(afterRestart.connack.sessionPresent).toBe(false);
  });
});
