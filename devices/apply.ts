import type { ErrorBody, Logger, rateLimitedWarn } from '../core/index.ts';
import { checkProfile, type DeviceProfile } from '../firmware-config/index.ts';
import type { DeviceProfileReport, Reply } from '../protocol/index.ts';
import type { Runner } from './device.ts';

export type ReplyBody = { data: unknown } | { error: ErrorBody };

/** How a device answers on the bus: replies to requests, its retained profile report. */
export interface Voice {
  reply(requestId: string, body: ReplyBody): Reply;
  report(message: Omit<DeviceProfileReport, 'device' | 'at'>): void;
  log: Logger;
  warn: ReturnType<typeof rateLimitedWarn>;
  /** Counts a message that failed its schema, by channel. */
  refused(channel: string): void;
}

/**
 * Moves a running device to a newer profile in three steps: check it, start it, and on
 * failure start the running one again. Every outcome is answered and reported.
 */
export async function applyProfile(
  runner: Runner,
  raw: unknown,
  requestId: string,
  voice: Voice,
): Promise<Reply> {
  const current = runner.profile;
  const checked = checkNext(current, raw);
  if ('error' in checked) {
    voice.warn(`refused:${checked.error.code}`, { ...checked.error }, 'profile refused');
    voice.report({ version: current.version, status: 'refused', reason: checked.error.message });
    return voice.reply(requestId, { error: checked.error });
  }

  const next = checked.profile;
  await runner.halt();
  const outcome = await runner.run(next);
  if (outcome.ok) {
    voice.log.info({ version: next.version, previous: current.version }, 'profile applied');
    voice.report({ version: next.version, status: 'applied' });
    return voice.reply(requestId, { data: { device: next.device, version: next.version } });
  }

  await runner.halt();
  await runner.run(current);
  return rolledBack(current, next, outcome.error, requestId, voice);
}

function rolledBack(
  current: DeviceProfile,
  next: DeviceProfile,
  error: { message: string; path: string | undefined },
  requestId: string,
  voice: Voice,
): Reply {
  const reason =
    `version ${next.version} failed: ${error.message}; back on version ` + `${current.version}`;
  voice.log.warn(
    { version: next.version, back: current.version, reason: error.message },
    'profile rolled back',
  );
  voice.report({
    version: current.version,
    status: 'rolled-back',
    pushedVersion: next.version,
    reason: reason.slice(0, 300),
  });
  return voice.reply(requestId, {
    error: {
      code: 'SB_ERR_DEVICE_FAULT',
      message: reason.slice(0, 500),
      ...(error.path ? { path: error.path } : {}),
    },
  });
}

/** The profile a device may move to, or why not: named by the field that is wrong. */
export function checkNext(
  current: DeviceProfile,
  raw: unknown,
): { profile: DeviceProfile } | { error: ErrorBody } {
  // Bus credentials stay with the device: a pushed profile need not carry its password.
  const merged = { bus: current.bus, ...(raw as Record<string, unknown>) };
  const checked = checkProfile(merged);
  if (!checked.ok) {
    return {
      error: {
        code: 'SB_ERR_INVALID_CONFIG',
        path: checked.path,
        message: checked.problems.join('; ').slice(0, 500),
      },
    };
  }

  const next = checked.profile;
  const conflict = (path: string, message: string) => ({
    error: { code: 'SB_ERR_CONFLICT' as const, path, message },
  });
  if (next.device !== current.device) return conflict('device', `profile is for ${next.device}`);
  if (next.kind !== current.kind) return conflict('kind', `device is a ${current.kind}`);
  if (next.bus.username !== current.bus.username) {
    return conflict('bus.username', 'bus credentials change only with a new install');
  }
  if (next.version <= current.version) {
    return conflict('version', `version ${next.version} is not newer than ${current.version}`);
  }
  return { profile: next };
}
