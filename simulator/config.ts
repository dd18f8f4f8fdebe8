import { z } from 'zod';
import { isTimeZone } from '../core/index.ts';
import { Id } from '../protocol/index.ts';

const Credentials = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1),
});

/** sim.json: one virtual branch and the gateway bus it plays on. */
export const SimulatorConfig = z.strictObject({
  /** Same seed, same customers, services and service times. */
  seed: z.number().int(),
  /** Simulated seconds per second of the injected clock. Default 1. */
  speed: z.number().positive().max(10_000).default(1),
  branch: Id,
  gateway: z.strictObject({
    /** The gateway's local bus, e.g. `mqtt://127.0.0.1:1883`. */
    brokerUrl: z
      .string()
      .regex(/^(mqtts?|wss?|tcp):\/\//, 'an mqtt://, mqtts://, ws:// or wss:// URL'),
    clients: z.strictObject({ kiosk: Credentials, door: Credentials, counter: Credentials }),
  }),
  customers: z.strictObject({
    /** Mean arrivals per simulated hour of a Poisson process. */
    arrivalsPerHour: z.number().nonnegative().max(100_000),
    /** Relative weight of each service id among the tickets customers take. */
    serviceMix: z
      .record(Id, z.number().nonnegative())
      .refine(
        (mix) => Object.values(mix).some((weight) => weight > 0),
        'needs at least one service with a weight above 0',
      ),
    /** Simulated seconds from the door to the kiosk. Default 10. */
    walkToKioskSeconds: z.number().nonnegative().max(3600).default(10),
    /**
     * A day profile: mean arrivals in each local hour 0–23 of `timeZone`, replacing
     * `arrivalsPerHour` where given (0 for the hours the branch is closed).
     */
    arrivalsByHour: z.array(z.number().nonnegative().max(100_000)).length(24).optional(),
    /** IANA zone of the day profile's hours. Default UTC. */
    timeZone: z
      .string()
      .refine(isTimeZone, 'not an IANA time zone known to this system')
      .default('UTC'),
    /** Share of customers in each segment, each 0–1 (together at most 1). Default none. */
    segments: z
      .strictObject({
        vip: z.number().min(0).max(1).default(0),
        elderly: z.number().min(0).max(1).default(0),
        disabled: z.number().min(0).max(1).default(0),
      })
      .refine(
        (shares) => shares.vip + shares.elderly + shares.disabled <= 1,
        'segment shares add up to more than 1',
      )
      .default({ vip: 0, elderly: 0, disabled: 0 }),
  }),
  counters: z
    .array(
      z.strictObject({
        id: Id,
        /** Mean of the exponential service time, in simulated minutes. */
        serviceMinutesMean: z.number().positive().max(600),
      }),
    )
    .min(1),
  /** Ids of the simulated devices and reply clients on the bus. */
  devices: z
    .strictObject({
      kiosk: Id.default('sim-kiosk'),
      door: Id.default('sim-door'),
      counters: Id.default('sim-counters'),
    })
    .default({ kiosk: 'sim-kiosk', door: 'sim-door', counters: 'sim-counters' }),
  /** A request unanswered this long (clock ms) is sent again with the same id. Default 5000. */
  replyTimeoutMs: z.number().int().min(100).max(600_000).default(5000),
  /** How long an idle counter waits before asking again, in simulated seconds. Default 10. */
  idlePollSeconds: z.number().positive().max(3600).default(10),
});

export type SimulatorConfig = z.output<typeof SimulatorConfig>;
export type SimulatorConfigInput = z.input<typeof SimulatorConfig>;
