import { z } from 'zod';
import { Id } from './ids.ts';

/**
 * What the gateway, the technician UI and the cloud say to one device, and what the device
 * says back. Every topic here sits under the device's own `device/{device}/` levels, so a
 * device's bus credentials (publish and subscribe only under its own filter) are enough.
 */
const Timestamp = z.number().int().nonnegative();
const Text = (max: number) => z.string().max(max);
const RequestId = z.string().min(1).max(64);

/**
 * A new profile for a device, checked by the device against its profile schema
 * (firmware-config/), which the protocol leaves to it: the answer names every bad field.
 */
const ApplyProfile = z.strictObject({
  requestId: RequestId,
  action: z.literal('apply-profile'),
  profile: z.record(z.string(), z.unknown()),
});

/** Switches a relay or an LED on or off. */
const SwitchOutput = z.strictObject({
  requestId: RequestId,
  action: z.literal('switch'),
  on: z.boolean(),
});

export const DeviceCommand = z.discriminatedUnion('action', [ApplyProfile, SwitchOutput]);

/**
 * The profile a device runs, retained on `device/{device}/profile`. `applied` is the newest
 * profile taking effect; `rolled-back` says the newest failed and `version` is the one that
 * runs again; `refused` says a pushed profile never got as far as being tried.
 */
export const DeviceProfileReport = z.strictObject({
  device: Id,
  at: Timestamp,
  version: z.number().int().positive(),
  status: z.enum(['applied', 'rolled-back', 'refused']),
  /** The version that was pushed, when it is not the one running. */
  pushedVersion: z.number().int().positive().optional(),
  reason: Text(300).optional(),
});

/** One queue ticket to print, as the queue lays it out on paper. */
export const PrinterJob = z.strictObject({
  requestId: RequestId,
  branchName: Text(120).min(1),
  service: Text(120).min(1),
  number: Text(16).min(1),
  /** Expected wait in whole minutes; absent: the line is left out. */
  waitMinutes: z
    .number()
    .int()
    .nonnegative()
    .max(24 * 60)
    .optional(),
  /** Tickets ahead of this one; absent: the line is left out. */
  ahead: z.number().int().nonnegative().optional(),
  /** What the QR code holds, e.g. the ticket's follow-up page. Absent: no code. */
  qr: Text(300).min(1).optional(),
});

export type DeviceCommand = z.output<typeof DeviceCommand>;
export type DeviceProfileReport = z.output<typeof DeviceProfileReport>;
export type PrinterJob = z.output<typeof PrinterJob>;
