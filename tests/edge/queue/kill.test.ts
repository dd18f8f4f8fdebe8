import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../../../core/index.ts';
import { encodeMessage, type Reply, topic } from '../../../protocol/index.ts';
import { type Link, openLink } from '../../../simulator/index.ts';
import { eventually, tempDir } from '../../support/context.ts';
import { freePort } from '../../support/services.ts';
import { type GatewayProcess, gatewayProcesses } from './gateway-process.ts';
import { branch, buttonDevice, kioskScreens } from './harness.ts';

/**
 * Four issuers, as in a branch: two paired web kiosks over HTTP, a kiosk button reporting
 * its presses as device telemetry, and an MQTT device asking on the queue's issue topic.
 */
const issuers = [
  { name: 'kiosk-web-1', kind: 'web' },
  { name: 'kiosk-web-2', kind: 'web' },
  { name: buttonDevice, kind: 'button' },
  { name: 'mqtt-device', kind: 'bus' },
] as const;
const startGatewayProcess = gatewayProcesses();
let dir: ReturnType<typeof tempDir>;

afterEach(() => dir?.remove());

/** What one request saw, in order: each number it was given and each error. */
type Outcome = { number: string } | { error: string };

interface Issuers {
  web: (screen: string, requestId: string) => Promise<Outcome[]>;
  mqtt: Link;
  button: MqttClient;
  close(): Promise<void>;
}

const openMqtt = (port: number, name: string) =>
  openLink(
    {
      url: `mqtt://127.0.0.1:${port}`,
      username: name,
      password: 'pw',
      clientId: name,
      replyTopic: topic('reply', { branch, client: name }),
      replyTimeoutMs: 500,
    },
    systemClock,
    silentLogger(),
  );

/** Pairs both kiosks with the codes the gateway shows, as a technician would at install. */
async function pairKiosks(gateway: GatewayProcess) {
  const tokens = new Map<string, string>();
  for (const screen of kioskScreens) {
    const response = await fetch(`http://127.0.0.1:${gateway.httpPort}/screens/api/pair`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ screen, code: gateway.codes.get(screen) }),
    });
    expect(response.status).toBe(200);
    tokens.set(screen, ((await response.json()) as { token: string }).token);
  }
  return tokens;
}

/**
 * A kiosk tap: POSTs the ticket over HTTP and, on any failure it sees (connection refused or
 * reset, an error status), tries again with the same request id, as the kiosk page does.
 */
function kioskTap(httpPort: number, tokens: Map<string, string>) {
  return async (screen: string, requestId: string) => {
    const outcomes: Outcome[] = [];
    const giveUpAt = Date.now() + 30_000;
    while (Date.now() < giveUpAt) {
      try {
        const response = await fetch(`http://127.0.0.1:${httpPort}/queue/device/tickets`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${tokens.get(screen)}`,
          },
          body: JSON.stringify({ requestId, service: 'cash' }),
        });
        const body = (await response.json()) as { ticket?: { number: string }; error?: unknown };
        if (response.status === 201 && body.ticket) {
          outcomes.push({ number: body.ticket.number });
          return outcomes;
        }
        outcomes.push({ error: `status ${response.status}: ${JSON.stringify(body.error)}` });
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        outcomes.push({ error: cause ?? (err as Error).message });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return outcomes;
  };
}

async function openIssuers(gateway: GatewayProcess, port: number): Promise<Issuers> {
  const tokens = await pairKiosks(gateway);
  const device = await openMqtt(port, 'mqtt-device');
  // The button's device publishes at QoS 1 and hears from its broker whether each press
  // arrived: an acknowledgement, or an error when the connection dies first.
  const button = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    username: buttonDevice,
    password: 'pw',
    clientId: buttonDevice,
    reconnectPeriod: 200,
  });
  return {
    web: kioskTap(gateway.httpPort, tokens),
    mqtt: device,
    button,
    close: async () => {
      await device.close();
      await button.endAsync();
    },
  };
}

interface Burst {
  /** Per web or MQTT request id, what it was answered. */
  answers: Map<string, Outcome[]>;
  /** The report time of each button press. */
  presses: number[];
  /** Per press, whether the broker acknowledged it or the device saw an error. */
  acknowledged: Map<number, boolean>;
}

/** 250 requests for service A over about 2 s, spread over the four issuers. */
function burst(issuing: Issuers, seen: Burst) {
  const sends: Promise<void>[] = [];
  for (let index = 0; index < 250; index++) {
    const issuer = issuers[index % 4] as (typeof issuers)[number];
    const requestId = `${issuer.name}-${index}`;
    const send = async () => {
      if (issuer.kind === 'web') {
        seen.answers.set(requestId, await issuing.web(issuer.name, requestId));
      } else if (issuer.kind === 'bus') {
        const payload = encodeMessage('queueIssue', {
          requestId,
          replyTo: issuer.name,
          service: 'cash',
          source: 'bus',
        });
        const reply = await issuing.mqtt.request(
          topic('queueIssue', { branch }),
          payload,
          requestId,
        );
        if (reply) seen.answers.set(requestId, [outcomeOf(reply)]);
      } else {
        // A press's report time is its identity; timers that fire together still press apart.
        const at = Math.max(Date.now(), (seen.presses.at(-1) ?? 0) + 1);
        seen.presses.push(at);
        const telemetry = {
          device: buttonDevice,
          at,
          kind: 'button' as const,
          values: { pressed: true },
        };
        const arrived = await new Promise<boolean>((resolve) =>
          issuing.button.publish(
            topic('deviceTelemetry', { branch, device: buttonDevice }),
            encodeMessage('deviceTelemetry', telemetry),
            { qos: 1 },
            (err) => resolve(!err),
          ),
        );
        seen.acknowledged.set(at, arrived);
      }
    };
    sends.push(new Promise((resolve) => setTimeout(resolve, index * 8)).then(send));
  }
  return Promise.all(sends);
}

function outcomeOf(reply: Reply): Outcome {
  return reply.status === 'ok'
    ? { number: (reply.data as { number: string }).number }
    : { error: reply.error?.code ?? 'error' };
}

/** Each answered request's one number; a request given two different numbers fails here. */
function numbersIn(answers: Map<string, Outcome[]>) {
  return [...answers.values()].map((outcomes) => {
    const numbers = new Set(
      outcomes.flatMap((outcome) => ('number' in outcome ? [outcome.number] : [])),
    );
    expect(numbers.size).toBe(1);
    return [...numbers][0] as string;
  });
}

function stored(folder: string) {
  const db = new Database(join(folder, 'gateway.sqlite'), { readonly: true });
  const numbers = db.prepare('SELECT number FROM queue_tickets ORDER BY seq').pluck().all();
  const buttonTickets = db
    .prepare(
      `SELECT r.request_id AS requestId, t.number FROM queue_requests r
       JOIN queue_tickets t ON t.id = r.ticket_id WHERE t.source = 'button'`,
    )
    .all() as { requestId: string; number: string }[];
  const buttonTicketCount = db
    .prepare(`SELECT count(*) FROM queue_tickets WHERE source = 'button'`)
    .pluck()
    .get();
  db.close();
  return { numbers: numbers as string[], buttonTickets, buttonTicketCount };
}

/** The numbers the button's presses issued, each press at most once and nothing else. */
function pressedNumbers(folder: string, presses: number[]) {
  const { buttonTickets, buttonTicketCount } = stored(folder);
  const pressTimes = buttonTickets.map((ticket) => Number(ticket.requestId.split(':').at(-1)));
  expect(buttonTicketCount).toBe(buttonTickets.length);
  expect(new Set(pressTimes).size).toBe(pressTimes.length);
  expect(pressTimes.every((at) => presses.includes(at))).toBe(true);
  return { numbers: buttonTickets.map((ticket) => ticket.number), presses: pressTimes };
}

const expected = Array.from(
  { length: 250 },
  (_, index) => `A${String(index + 1).padStart(3, '0')}`,
);

describe('a burst of 250 tickets from two web kiosks, a button and an MQTT device', () => {
  it('numbers A001 to A250 once each when nothing fails', async () => {
    dir = tempDir('sb-queue-kill-');
    const port = await freePort();
    const gateway = await startGatewayProcess(dir.path, port);
    const issuing = await openIssuers(gateway, port);
    const seen: Burst = { answers: new Map(), presses: [], acknowledged: new Map() };

    await burst(issuing, seen);
    await eventually(() => stored(dir.path).numbers.length === 250, 'the button tickets');
    await issuing.close();

    const answered = numbersIn(seen.answers);
    expect(seen.answers.size).toBe(250 - seen.presses.length);
    expect([...seen.answers.values()].flat().every((outcome) => 'number' in outcome)).toBe(true);
    const pressed = pressedNumbers(dir.path, seen.presses);
    expect(pressed.presses.sort()).toEqual([...seen.presses].sort());
    expect([...seen.acknowledged.values()].every(Boolean)).toBe(true);
    expect([...answered, ...pressed.numbers].sort()).toEqual(expected);
    expect(stored(dir.path).numbers).toEqual(expected);
  });

  it('numbers every request once, reusing none, when the gateway is SIGKILLed mid-burst', async () => {
    dir = tempDir('sb-queue-kill-');
    const port = await freePort();
    const first = await startGatewayProcess(dir.path, port);
    const issuing = await openIssuers(first, port);
    const seen: Burst = { answers: new Map(), presses: [], acknowledged: new Map() };
    const done = burst(issuing, seen);

    await eventually(() => seen.answers.size >= 60, 'the first answers');
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const beforeKill = seen.answers.size;
    // The same ports: the kiosks and the devices know one gateway address.
    await startGatewayProcess(dir.path, port, { httpPort: first.httpPort });
    await done;
    await issuing.close();

    expect(beforeKill).toBeLessThan(250 - seen.presses.length);
    expect(seen.answers.size).toBe(250 - seen.presses.length);
    // The kiosks saw the kill as an error of their own, then got their number on a retry.
    const webOutcomes = [...seen.answers.entries()].filter(([id]) => id.startsWith('kiosk-web'));
    expect(webOutcomes.some(([, outcomes]) => 'error' in (outcomes[0] as Outcome))).toBe(true);
    expect(webOutcomes.every(([, outcomes]) => 'number' in (outcomes.at(-1) as Outcome))).toBe(
      true,
    );
    // A press that reaches the restarted bus before the queue subscribes is lost (README,
    // Limits); no press issues two tickets and none takes another's number.
    const answered = numbersIn(seen.answers);
    const pressed = pressedNumbers(dir.path, seen.presses);
    const all = [...answered, ...pressed.numbers].sort();
    expect(all).toEqual(expected.slice(0, all.length));
    expect(all.length).toBeGreaterThanOrEqual(250 - seen.presses.length);
    expect(stored(dir.path).numbers).toEqual(all);
  });
});
