import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../core/index.ts';
import { topic, topicMatches } from '../../protocol/index.ts';
import { random, SimulatorConfig, simulatorBusClients } from '../../simulator/index.ts';

const valid = {
  seed: 1,
  branch: 'b/1',
  gateway: {
    brokerUrl: 'mqtt://127.0.0.1:1883',
    clients: {
      kiosk: { username: 'k', password: 'p' },
      door: { username: 'd', password: 'p' },
      counter: { username: 'c', password: 'p' },
    },
  },
  customers: { arrivalsPerHour: 30, serviceMix: { cash: 1 } },
  counters: [{ id: 'window#1', serviceMinutesMean: 3 }],
};

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig('sim.json', raw, SimulatorConfig);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('simulator config', () => {
  it('fills in the defaults of a minimal sim.json', () => {
    const config = parseConfig('sim.json', valid, SimulatorConfig);

    expect(config).toMatchObject({
      speed: 1,
      replyTimeoutMs: 5000,
      idlePollSeconds: 10,
      devices: { kiosk: 'sim-kiosk', door: 'sim-door', counters: 'sim-counters' },
    });
  });

  it('names every error by its path in the file', () => {
    const problems = problemsOf({
      ...valid,
      speed: 0,
      gateway: { ...valid.gateway, brokerUrl: 'http://x' },
      customers: { arrivalsPerHour: -1, serviceMix: { cash: 0 } },
      counters: [{ id: '', serviceMinutesMean: 3 }],
    });

    expect(problems.map((problem) => problem.split(':')[0])).toEqual([
      'speed',
      'gateway.brokerUrl',
      'customers.arrivalsPerHour',
      'customers.serviceMix',
      'counters.0.id',
    ]);
  });
});

describe('simulator bus clients', () => {
  const config = parseConfig('sim.json', valid, SimulatorConfig);
  const [kiosk, door, counter] = simulatorBusClients('b/1', config);
  const mayPublish = (client: typeof kiosk, name: string) =>
    (client?.publish ?? []).some((filter) => topicMatches(filter, name));

  it('lets each simulated client publish only on its own topics', () => {
    const issue = topic('queueIssue', { branch: 'b/1' });
    const command = topic('queueCounterCommand', { branch: 'b/1', counter: 'window#1' });
    const doorTelemetry = topic('deviceTelemetry', { branch: 'b/1', device: 'sim-door' });

    expect([issue, command, doorTelemetry].map((name) => mayPublish(kiosk, name))).toEqual([
      true,
      false,
      false,
    ]);
    expect([issue, command, doorTelemetry].map((name) => mayPublish(counter, name))).toEqual([
      false,
      true,
      false,
    ]);
    expect([issue, command, doorTelemetry].map((name) => mayPublish(door, name))).toEqual([
      false,
      false,
      true,
    ]);
    expect(
      mayPublish(counter, topic('queueCounterCommand', { branch: 'b/1', counter: 'window#2' })),
    ).toBe(false);
  });

  it('lets the kiosk and the counters hear only their own replies', () => {
    expect(kiosk?.subscribe).toEqual([topic('reply', { branch: 'b/1', client: 'sim-kiosk' })]);
    expect(counter?.subscribe).toEqual([topic('reply', { branch: 'b/1', client: 'sim-counters' })]);
    expect(door?.subscribe).toEqual([]);
  });
});

describe('seeded random', () => {
  it('repeats its draws for a seed and stream, and differs across streams', () => {
    const draws = (seed: number, stream: string) => {
      const generator = random(seed, stream);
      return Array.from({ length: 5 }, () => generator.next());
    };

    expect(draws(7, 'arrivals')).toEqual(draws(7, 'arrivals'));
    expect(draws(7, 'arrivals')).not.toEqual(draws(7, 'service mix'));
    expect(draws(7, 'arrivals')).not.toEqual(draws(8, 'arrivals'));
  });

  it('picks keys in proportion to their weights and never one of weight 0', () => {
    const generator = random(3);
    const counts = { a: 0, b: 0, never: 0 };
    for (let draw = 0; draw < 10_000; draw++) counts[generator.pick({ a: 3, b: 1, never: 0 })] += 1;

    expect(counts.never).toBe(0);
    expect(counts.a / counts.b).toBeGreaterThan(2.5);
    expect(counts.a / counts.b).toBeLessThan(3.5);
  });
});
