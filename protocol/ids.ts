import { z } from 'zod';

/**
 * Ids of branches, devices, screens, counters and services come from people and config files
 * (`kiosk#2`, `cam+1`, `door/3`, `VIP+`). Each is carried in a topic as one percent-encoded
 * level, so a topic keeps its intended levels and never holds `+`, `#`, `/` or a leading `$`,
 * and a subscription for one device can never match another [MQTT-4.7.1].
 * Control characters (NUL among them) are refused outright: no person means them.
 */
const maxIdLength = 64;

// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const controlCharacters = /[\u0000-\u001f\u007f]/;

// An id as an error quotes it: cut short, so a 20,000-character id gives a short error.
function quoted(id: string): string {
  return JSON.stringify(id.length > 40 ? `${id.slice(0, 40)}…` : id);
}

/** Why an id cannot be used, or null when it can. Hot path: returns, never throws. */
export function idProblem(id: string): string | null {
  if (id.length === 0) return 'is empty';
  if (id.length > maxIdLength) return `is longer than ${maxIdLength} characters`;
  if (controlCharacters.test(id)) return 'holds a control character';
  if (id.trim() !== id) return 'starts or ends with white space';
  return null;
}

/** One topic level for an id: percent-encoded, so it holds no MQTT wildcard or separator. */
export function encodeId(id: string): string {
  const problem = idProblem(id);
  if (problem) throw new RangeError(`id ${quoted(id)} ${problem}`);

  // encodeURIComponent leaves `!'()*` as they are; none of them matters to MQTT.
  return encodeURIComponent(id.normalize('NFC'));
}

export function decodeId(level: string): string {
  return decodeURIComponent(level);
}

/** The schema of every id field in messages and config files. */
export const Id = z
  .string()
  .superRefine((value, context) => {
    const problem = idProblem(value);
    if (problem) context.addIssue({ code: 'custom', message: `id ${quoted(value)} ${problem}` });
  })
  .transform((value) => value.normalize('NFC'));
