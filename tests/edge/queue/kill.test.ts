import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger, systemClock } from '../../../core/index.ts';
import { type Devices, startDevices } from '../../../devices/index.ts';
import { encodeMessage, type Reply, topic } from '../../../protocol/index.ts';
import type { VirtualGpio } from '../../../simulator/devices/index.ts';
import { type Link, openLink } from '../../../simulator/index.ts';
import { eventually, tempDir, testContext } from '../../support/context.ts';
import { freePort } from '../../support/services.ts';
import { type GatewayProcess, gatewayProcesses } from './gateway-process.ts';
import { branch, buttonProfile, kioskScreens } from './harness.ts';

/**
 * Four issuers, as in a branch: two paired web kiosks over HTTP, a GPIO kiosk button through
 * the `devices/` driver (the simulator's GPIO standing in, as its profile allows on a machine
 * without one), and an MQTT device asking on the queue's issue topic.
 */
const issuers = [
  { name: 'kiosk-web-1', kind: 'web' },
  { name: 'kiosk-web-2', kind: 'web' },
  { name: buttonProfile.device, kind: 'button' },
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
  /** Presses the button as a finger does: held past its debounce time, then let go as long. */
  press(): Promise<void>;
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
  const { devices, gpio } = await startButton(port);
  const { pin } = buttonProfile.connection as { pin: number };
  return {
    web: kioskTap(gateway.httpPort, tokens),
    mqtt: device,
    press: async () => {
      const holdMs = buttonProfile.sampling.debounceMs + 7;
      gpio.drive(pin, 1);
      await sleep(holdMs);
      gpio.drive(pin, 0);
      await sleep(holdMs);
    },
    close: async () => {
      await device.close();
      await devices.stop();
    },
  };
}

/**
 * The button's driver, started as a gateway starts a profiled device: onoff finds no GPIO on
 * this machine, says so, and the simulator's GPIO takes its place. It reaches the gateway's
 * bus over TCP with the profile's credentials, and keeps what it reports while the bus is away.
 */
async function startButton(port: number): Promise<{ devices: Devices; gpio: VirtualGpio }> {
  const devices = await startDevices(
    {
      branch,
      profiles: [buttonProfile],
      busUrl: `mqtt://127.0.0.1:${port}`,
      allowSimulated: true,
      // Retried often, so the button is back the moment the restarted bus takes it in.
      firstRetryMs: 20,
      maxRetryMs: 40,
    },
    testContext(),
  );
  const gpio = devices.simulated.gpio;
  expect(gpio, 'the simulated GPIO standing in for a missing one').not.toBeNull();
  await eventually(() => devices.get(buttonProfile.device)?.status().busConnected, 'the button');
  return { devices, gpio: gpio as VirtualGpio };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Burst {
  /** Per web or MQTT request id, what it was answered. */
  answers: Map<string, Outcome[]>;
  /** Button presses made, each let go before the next. */
  presses: number;
}

/** 250 requests for service A over about 2 s, spread over the four issuers. */
function burst(issuing: Issuers, seen: Burst) {
  const sends: Promise<void>[] = [];
  // One finger on the button: a press waits for the one before it to be let go.
  let button = Promise.resolve();
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
        button = button.then(async () => {
          await issuing.press();
          seen.presses += 1;
        });
        await button;
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
  const db = new Database(join(folder, 'gateway.db'), { readonly: true });
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
    .get() as number;
  db.close();
  return { numbers: numbers as string[], buttonTickets, buttonTicketCount };
}

/** The numbers the button's presses issued: one ticket per press, each press its own. */
function pressedNumbers(folder: string, presses: number) {
  const { buttonTickets, buttonTicketCount } = stored(folder);
  expect(buttonTicketCount).toBe(presses);
  expect(new Set(buttonTickets.map((ticket) => ticket.requestId)).size).toBe(presses);
  return buttonTickets.map((ticket) => ticket.number);
}

const expected = Array.from(
  { length: 250 },
  (_, index) => `A${String(index + 1).padStart(3, '0')}`,
);

describe('a burst of 250 tickets from two web kiosks, a GPIO button and an MQTT device', () => {
  it('numbers A001 to A250 once each when nothing fails', async () => {
    dir = tempDir('sb-queue-kill-');
    const port = await freePort();
    const gateway = await startGatewayProcess(dir.path, port);
    const issuing = await openIssuers(gateway, port);
    const seen: Burst = { answers: new Map(), presses: 0 };

    await burst(issuing, seen);
    await eventually(() => stored(dir.path).numbers.length === 250, 'the button tickets');
    await issuing.close();

    const answered = numbersIn(seen.answers);
    expect(seen.presses).toBe(62);
    expect(seen.answers.size).toBe(250 - seen.presses);
    expect([...seen.answers.values()].flat().every((outcome) => 'number' in outcome)).toBe(true);
    const pressed = pressedNumbers(dir.path, seen.presses);
    expect([...answered, ...pressed].sort()).toEqual(expected);
    expect(stored(dir.path).numbers).toEqual(expected);
  });

  it('numbers every request once, losing and reusing none, when the gateway is SIGKILLed mid-burst', async () => {
    dir = tempDir('sb-queue-kill-');
    const port = await freePort();
    const first = await startGatewayProcess(dir.path, port);
    const issuing = await openIssuers(first, port);
    const seen: Burst = { answers: new Map(), presses: 0 };
    const done = burst(issuing, seen);

    await eventually(() => seen.answers.size >= 60, 'the first answers');
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const beforeKill = { answers: seen.answers.size, presses: seen.presses };
    // The same ports: the kiosks and the devices know one gateway address.
    await startGatewayProcess(dir.path, port, { httpPort: first.httpPort });
    await done;
    // Presses made while the gateway was down wait in the button's link until it is back.
    await eventually(() => stored(dir.path).numbers.length === 250, 'every ticket', 30_000);
    await issuing.close();

    expect(beforeKill.answers).toBeLessThan(250 - seen.presses);
    expect(beforeKill.presses).toBeLessThan(62);
    expect(seen.presses).toBe(62);
    expect(seen.answers.size).toBe(250 - seen.presses);
    // The kiosks saw the kill as an error of their own, then got their number on a retry.
    const webOutcomes = [...seen.answers.entries()].filter(([id]) => id.startsWith('kiosk-web'));
    expect(webOutcomes.some(([, outcomes]) => 'error' in (outcomes[0] as Outcome))).toBe(true);
    expect(webOutcomes.every(([, outcomes]) => 'number' in (outcomes.at(-1) as Outcome))).toBe(
      true,
    );
    // Every request and every press has its one number: none lost, none issued twice, none
    // given to two.
    const answered = numbersIn(seen.answers);
    const pressed = pressedNumbers(dir.path, seen.presses);
    expect([...answered, ...pressed].sort()).toEqual(expected);
    expect(stored(dir.path).numbers).toEqual(expected);
  });
});
