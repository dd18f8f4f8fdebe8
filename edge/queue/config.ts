import { z } from 'zod';
import { isTimeZone } from '../../core/index.ts';
import { Id, Segment } from '../../protocol/index.ts';

/** Text people read and hear: stored, shown and spoken in one normal form (NFC). */
const DisplayText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .transform((text) => text.normalize('NFC'));

export const QueueService = z.strictObject({
  id: Id,
  name: DisplayText(100),
  /** One or two capital letters in front of the ticket number: `A` gives `A001`. */
  prefix: z.string().regex(/^[A-Z]{1,2}$/, 'prefix is one or two capital letters'),
  /** Higher is called first. A ticket's class rises by one per ageing step it waits. */
  priority: z.number().int().min(-100).max(100).default(0),
  /** Waiting time the branch aims for, in minutes; also the default ageing step. */
  targetWaitMinutes: z
    .number()
    .positive()
    .max(24 * 60),
  /**
   * An advisory service (a mortgage, wealth advice): a ticket for it offers the customer, at
   * the kiosk and at the technician's desk, to leave a lead for `product` with their consent.
   */
  advisory: z.strictObject({ product: Id }).optional(),
});

export const CounterStateName = z.enum(['open', 'paused', 'closed']);

export const QueueCounter = z.strictObject({
  id: Id,
  name: DisplayText(100),
  /** The services this counter handles, by id. */
  services: z.array(Id).min(1),
  /** The state a counter starts in the first time the gateway sees it. Default open. */
  initialState: CounterStateName.default('open'),
  /** The camera zone in front of the counter, to notice a called customer who never came. */
  zone: Id.optional(),
});

const defaultAnnouncements = [
  { lang: 'zh', template: '请 {number} 号顾客到 {counter} 号窗口办理' },
  { lang: 'en', template: 'Ticket {number}, please go to counter {counter}' },
];

export const QueueConfig = z
  .strictObject({
    /** IANA name of the branch's time zone; the queue day rolls over at its local midnight. */
    timeZone: z.string().refine(isTimeZone, 'not an IANA time zone known to this system'),
    services: z.array(QueueService).min(1),
    counters: z.array(QueueCounter).default([]),
    /** Priority added for a customer segment; default 1 for each. */
    segmentBoost: z
      .strictObject({
        vip: z.number().int().min(0).max(100).default(1),
        elderly: z.number().int().min(0).max(100).default(1),
        disabled: z.number().int().min(0).max(100).default(1),
      })
      .default({ vip: 1, elderly: 1, disabled: 1 }),
    /**
     * Minutes of waiting that raise a ticket's class by one. Default: the ticket's service's
     * target wait. Bounds how long a low class can wait behind a stream of higher ones.
     */
    ageingStepMinutes: z
      .number()
      .positive()
      .max(24 * 60)
      .optional(),
    /**
     * How a call is announced, one text per language; placeholders {number}, {counter},
     * {counterName}, {service}. Default: Chinese and English.
     */
    announcements: z
      .array(z.strictObject({ lang: z.string().min(2).max(16), template: DisplayText(300) }))
      .max(8)
      .default(defaultAnnouncements),
    /**
     * Minutes before its slot from which an appointment's check-in counts as on time.
     * On time (up to the slot's end) it is called before walk-ins of its class; else it is
     * a walk-in. Default 15.
     */
    appointmentEarlyMinutes: z.number().min(0).max(240).default(15),
    /** The camera zone where customers wait, for the walk-away estimate. */
    waitingZone: Id.optional(),
    /** A called ticket whose counter zone stays empty this long is a suspected no-show. */
    noShowWatch: z
      .strictObject({
        /** Seconds the counter zone must stay empty after the call. Default 60. */
        emptySeconds: z.number().positive().max(3600).default(60),
        /** Recall the ticket on suspicion (no-show after `maxRecalls`). Default false. */
        autoRecall: z.boolean().default(false),
      })
      .default({ emptySeconds: 60, autoRecall: false }),
    /** Recalls after which a `recall` turns the ticket into a no-show. Default 3. */
    maxRecalls: z.number().int().min(0).max(20).default(3),
    /**
     * Kiosk buttons (GPIO through `devices/`, or any device reporting `button` telemetry): a
     * press of `device` issues a ticket for `service`, with `segment` where the button is a
     * priority one, printed on the `printer` device where one is named (default: none).
     * Default no buttons.
     */
    buttons: z
      .array(
        z.strictObject({
          device: Id,
          service: Id,
          segment: Segment.optional(),
          printer: Id.optional(),
        }),
      )
      .max(100)
      .default([]),
    /** How often the retained state is published again even without a change, in ms. */
    stateRefreshMs: z.number().int().min(100).max(3_600_000).default(1000),
  })
  .superRefine((config, context) => {
    checkServices(config.services, context);
    checkCounters(config, context);
    checkButtons(config, context);
  });

type Refinement = z.RefinementCtx;

function checkServices(services: readonly z.output<typeof QueueService>[], context: Refinement) {
  const ids = new Set<string>();
  const prefixes = new Set<string>();

  for (const [index, service] of services.entries()) {
    if (ids.has(service.id)) {
      context.addIssue({
        code: 'custom',
        path: ['services', index, 'id'],
        message: `service ${service.id} is listed twice`,
      });
    }
    if (prefixes.has(service.prefix)) {
      context.addIssue({
        code: 'custom',
        path: ['services', index, 'prefix'],
        message: `prefix ${service.prefix} is used by another service`,
      });
    }
    ids.add(service.id);
    prefixes.add(service.prefix);
  }
}

function checkButtons(
  config: { services: { id: string }[]; buttons: { device: string; service: string }[] },
  context: Refinement,
) {
  const known = new Set(config.services.map((service) => service.id));
  for (const [index, button] of config.buttons.entries()) {
    if (known.has(button.service)) continue;

    context.addIssue({
      code: 'custom',
      path: ['buttons', index, 'service'],
      message: `button ${button.device} names unknown service ${button.service}`,
    });
  }
}

function checkCounters(
  config: { services: { id: string }[]; counters: { id: string; services: string[] }[] },
  context: Refinement,
) {
  const known = new Set(config.services.map((service) => service.id));
  const ids = new Set<string>();

  for (const [index, counter] of config.counters.entries()) {
    if (ids.has(counter.id)) {
      context.addIssue({
        code: 'custom',
        path: ['counters', index, 'id'],
        message: `counter ${counter.id} is listed twice`,
      });
    }
    ids.add(counter.id);

    for (const [position, service] of counter.services.entries()) {
      if (known.has(service)) continue;

      context.addIssue({
        code: 'custom',
        path: ['counters', index, 'services', position],
        message: `unknown service ${service}`,
      });
    }
  }
}

export type QueueConfig = z.output<typeof QueueConfig>;
export type QueueConfigInput = z.input<typeof QueueConfig>;
export type QueueService = z.output<typeof QueueService>;
export type CounterStateName = z.output<typeof CounterStateName>;
