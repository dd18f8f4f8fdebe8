import { toErrorBody } from '../core/index.ts';
import { type DeviceCommand, decodeMessage, type PrinterJob } from '../protocol/index.ts';
import type { Voice } from './apply.ts';
import type { Device } from './instance.ts';

type Listened = 'deviceCommand' | 'printerJob';

/**
 * Answers what reached a device: a command or a print job. A payload that fails its schema is
 * counted in one log line per kind and, where it carries a request id, answered with the path
 * of the field that is wrong.
 */
export async function answer(
  channel: Listened,
  payload: Buffer,
  device: Device,
  voice: Pick<Voice, 'reply' | 'warn' | 'refused'>,
) {
  const { reply } = voice;
  const decoded = decodeMessage(channel, payload);
  if (!decoded.ok) {
    voice.refused(channel);
    voice.warn(
      `${channel}:${decoded.error.path}`,
      { channel, ...decoded.error },
      'message refused',
    );
    const requestId = requestIdOf(payload);
    if (requestId) reply(requestId, { error: decoded.error });
    return;
  }

  const message = decoded.message as DeviceCommand | PrinterJob;
  try {
    const data = await run(channel, message, device);
    if (data !== undefined) reply(message.requestId, { data });
  } catch (err) {
    reply(message.requestId, { error: toErrorBody(err) });
  }
}

async function run(
  channel: Listened,
  message: DeviceCommand | PrinterJob,
  device: Device,
): Promise<unknown> {
  if (channel === 'printerJob') {
    await device.print(message as PrinterJob);
    return { printed: (message as PrinterJob).number };
  }

  const command = message as DeviceCommand;
  if (command.action === 'switch') {
    await device.switch(command.on);
    return { on: command.on };
  }

  // applyProfile sends its own answer, rolled back or not.
  await device.applyProfile(command.profile, command.requestId);
  return undefined;
}

/** The request id of a payload that failed its schema, so the sender still hears why. */
function requestIdOf(payload: Buffer): string | null {
  try {
    const value = (JSON.parse(payload.toString()) as { requestId?: unknown }).requestId;
    return typeof value === 'string' && value.length > 0 && value.length <= 64 ? value : null;
  } catch {
    return null;
  }
}
