import { z } from 'zod';
import { Id } from '../../protocol/index.ts';

/**
 * What each SmartBranch node's edit dialog may hold. Node-RED stores every field as typed in
 * the dialog (numbers often as text), so numbers are coerced; a blank id means "any".
 */
const AnyId = z
  .union([z.literal(''), Id])
  .default('')
  .transform((value) => value || undefined);

/** A comma-separated list of screen ids; blank: every screen. */
const ScreenList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean),
  )
  .pipe(z.array(Id).max(200));

export const AudienceInConfig = z.object({
  source: z.enum(['zone', 'camera']).default('zone'),
  target: AnyId,
  /** occupancy: people when it changes; entries: a rise in people; demographics: age bands. */
  mode: z.enum(['occupancy', 'entries', 'demographics']).default('occupancy'),
});

export const QueueInConfig = z.object({
  /** A queue event type, `any` event, or `state`: the waiting figures when they change. */
  event: z.enum(['any', 'issued', 'called', 'served', 'no-show', 'state']).default('any'),
  service: AnyId,
});

export const QueueOutConfig = z.object({
  action: z.enum(['issue', 'call-next', 'end', 'open', 'pause', 'close']),
  /** Blank: taken from `msg.payload.service` (issue only). */
  service: AnyId,
  /** Blank: taken from `msg.payload.counter` (counter actions). */
  counter: AnyId,
});

export const ScreenOutConfig = z.object({
  kind: z.enum(['override', 'cancel', 'theme']).default('override'),
  /** Blank: taken from `msg.payload.title` (or a text payload). */
  title: z.string().max(200).default(''),
  text: z.string().max(2000).default(''),
  minutes: z.coerce
    .number()
    .min(0.1)
    .max(24 * 60)
    .default(5),
  screens: ScreenList,
  theme: z.union([z.literal(''), Id]).default(''),
});

export const DeviceInConfig = z.object({
  device: AnyId,
  channel: z.enum(['telemetry', 'state']).default('telemetry'),
  /** Telemetry of this kind only (door, button, climate…); blank: every kind. */
  kind: z.string().max(40).default(''),
});

export const DeviceOutConfig = z.object({
  /** Blank: taken from `msg.payload.device`. */
  device: AnyId,
  action: z.enum(['switch', 'print']).default('switch'),
  /** For switch: on, off, or `payload` (msg.payload true/false or `{ on }`). */
  on: z.enum(['on', 'off', 'payload']).default('payload'),
});

export const CampaignInConfig = z.object({});

export const TechnicianAlertConfig = z.object({
  severity: z.enum(['info', 'warning', 'critical']).default('warning'),
  title: z.string().min(1, 'needs a title').max(120),
});

export type AudienceInConfig = z.output<typeof AudienceInConfig>;
export type QueueInConfig = z.output<typeof QueueInConfig>;
export type QueueOutConfig = z.output<typeof QueueOutConfig>;
export type ScreenOutConfig = z.output<typeof ScreenOutConfig>;
export type DeviceInConfig = z.output<typeof DeviceInConfig>;
export type DeviceOutConfig = z.output<typeof DeviceOutConfig>;
export type TechnicianAlertConfig = z.output<typeof TechnicianAlertConfig>;
