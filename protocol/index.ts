import type { z } from 'zod';
import * as campaigns from './campaigns.ts';
import * as devices from './devices.ts';
import * as messages from './messages.ts';
import * as screens from './screens.ts';
import type { Channel } from './topics.ts';

export * from './campaigns.ts';
export * from './devices.ts';
export * from './ids.ts';
export * from './messages.ts';
export * from './releases.ts';
export * from './screens.ts';
export * from './signing.ts';
export * from './topics.ts';
export * from './wait-histogram.ts';

/** The one typed map from every channel to the schema of its payload. */
export const channelSchemas = {
  deviceTelemetry: messages.DeviceTelemetry,
  deviceState: messages.DeviceState,
  audienceCount: messages.AudienceCount,
  queueIssue: messages.QueueIssue,
  queueCounterCommand: messages.QueueCounterCommand,
  counterRedeem: messages.CounterRedeem,
  queueEvent: messages.QueueEvent,
  queueState: messages.QueueState,
  reply: messages.Reply,
  pullRequest: messages.PullRequest,
  pullResponse: messages.PullResponse,
  liveStatus: messages.LiveStatus,
  alarm: messages.Alarm,
  campaignManifest: messages.CampaignManifest,
  zoneAudience: screens.ZoneAudience,
  screenRegistration: screens.ScreenRegistration,
  screenOverride: screens.ScreenOverride,
  screenTheme: screens.ThemeSelection,
  screenStatus: screens.ScreenStatus,
  deviceCommand: devices.DeviceCommand,
  /** A device's answer to a command, under its own topics: `correlationId` is the request's. */
  deviceReply: messages.Reply,
  deviceProfile: devices.DeviceProfileReport,
  printerJob: devices.PrinterJob,
  rolloutReport: campaigns.RolloutReport,
  commandRequest: campaigns.CommandRequest,
  commandAck: campaigns.CommandAck,
  moduleSettings: campaigns.ModuleSettings,
  benefitAllotment: campaigns.BenefitAllotment,
  redeemRequest: campaigns.RedeemRequest,
  redeemReply: campaigns.RedeemReply,
} as const satisfies Record<Channel, z.ZodType>;

export type MessageOf<C extends Channel> = z.output<(typeof channelSchemas)[C]>;

/** Largest payload any channel accepts, in bytes; bigger ones are refused before parsing. */
export const maxPayloadBytes = 256 * 1024;

export type DecodeResult<C extends Channel> =
  | { ok: true; message: MessageOf<C> }
  | {
      ok: false;
      error: {
        code: 'SB_ERR_INVALID_MESSAGE' | 'SB_ERR_PAYLOAD_TOO_LARGE';
        path: string;
        message: string;
      };
    };

/** Parses a payload for a channel. Hot path: returns the error, never throws. */
export function decodeMessage<C extends Channel>(
  channel: C,
  payload: Buffer | string,
): DecodeResult<C> {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size > maxPayloadBytes) {
    const message = `payload of ${size} bytes is over ${maxPayloadBytes}`;
    return { ok: false, error: { code: 'SB_ERR_PAYLOAD_TOO_LARGE', path: '(payload)', message } };
  }

  let json: unknown;
  try {
    json = JSON.parse(payload.toString());
  } catch {
    return {
      ok: false,
      error: { code: 'SB_ERR_INVALID_MESSAGE', path: '(payload)', message: 'not JSON' },
    };
  }

  let result: ReturnType<(typeof channelSchemas)[C]['safeParse']>;
  try {
    result = channelSchemas[channel].safeParse(json) as typeof result;
  } catch {
    // A check that overflows the stack (deep nesting, or a broker already deep in its own
    // callbacks) refuses the message: decoding runs inside broker events and must not throw.
    return {
      ok: false,
      error: { code: 'SB_ERR_INVALID_MESSAGE', path: '(payload)', message: 'could not be checked' },
    };
  }
  if (result.success) return { ok: true, message: result.data as MessageOf<C> };

  const issue = result.error.issues[0];
  const path = issue?.path.length ? issue.path.map(String).join('.') : '(root)';
  return {
    ok: false,
    error: { code: 'SB_ERR_INVALID_MESSAGE', path, message: issue?.message ?? 'invalid' },
  };
}

/** Serialises a message after checking it: a module never sends what its peers would refuse. */
export function encodeMessage<C extends Channel>(channel: C, message: MessageOf<C>): Buffer {
  const checked = channelSchemas[channel].parse(message);
  return Buffer.from(JSON.stringify(checked));
}
