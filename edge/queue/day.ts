/**
 * The queue day: the calendar date in the branch's time zone. It starts at local midnight,
 * so a day may last 23 or 25 hours where daylight saving time changes, and where a zone
 * skips midnight itself the day starts at the first instant that has the new date.
 */
import { localParts } from '../../core/index.ts';

/** `YYYY-MM-DD` of an instant in a time zone. */
export const localDay = (epochMs: number, timeZone: string) => localParts(epochMs, timeZone).date;

const hourMs = 3_600_000;

/** Offsets from UTC stay within ±14 h, so a local day's edges lie within 50 hours. */
const searchSpanMs = 50 * hourMs;

/**
 * The first instant in (low, high] at which `reached` holds, for a `reached` that, once true,
 * stays true. Local dates only grow with time, so this finds a day's edge without offset
 * arithmetic or knowledge of the zone's rules.
 */
function firstInstant(low: number, high: number, reached: (epochMs: number) => boolean) {
  let from = low;
  let to = high;

  while (to - from > 1) {
    const middle = Math.floor((from + to) / 2);
    if (reached(middle)) to = middle;
    else from = middle;
  }
  return to;
}

/** The first instant after `epochMs` that belongs to the next local day. */
export function nextDayStart(epochMs: number, timeZone: string): number {
  const today = localDay(epochMs, timeZone);
  return firstInstant(epochMs, epochMs + searchSpanMs, (at) => localDay(at, timeZone) !== today);
}

/** The first instant of the local day that holds `epochMs`. */
export function dayStart(epochMs: number, timeZone: string): number {
  const today = localDay(epochMs, timeZone);
  return firstInstant(epochMs - searchSpanMs, epochMs, (at) => localDay(at, timeZone) === today);
}
