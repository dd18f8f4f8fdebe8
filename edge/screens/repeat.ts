import { instantsAt, localParts, nextDate, offsetMs } from '../../core/index.ts';
import type { Repeat } from '../../protocol/index.ts';

const perDate = new Map<string, number[]>();
const cacheLimit = 4096;

/**
 * The instants a spot plays at on one local date. Hourly spots follow the wall clock: a
 * spring-forward gap has no 02:30 and later slots keep their minute; a fall-back night plays
 * both 02:30s. A daily spot plays once a day: the first of two equal wall times, or, when its
 * time falls in a gap, as far after the gap's start as it was meant to be (02:30 → 03:30), the
 * way cron runs a job the clock jumped over.
 */
export function occurrencesOn(repeat: Repeat, date: string, timeZone: string): number[] {
  const key = `${timeZone}|${repeat.every}|${repeat.hour ?? 0}|${repeat.minute}|${date}`;
  const cached = perDate.get(key);
  if (cached) return cached;

  const found =
    repeat.every === 'hour'
      ? Array.from({ length: 24 }, (_, hour) =>
          instantsAt(date, hour, repeat.minute, timeZone),
        ).flat()
      : [dailyInstant(date, repeat.hour ?? 0, repeat.minute, timeZone)];
  if (perDate.size >= cacheLimit) perDate.clear();
  perDate.set(key, found);
  return found;
}

function dailyInstant(date: string, hour: number, minute: number, timeZone: string): number {
  const [first] = instantsAt(date, hour, minute, timeZone);
  if (first !== undefined) return first;

  const wall = Date.parse(
    `${date}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`,
  );
  return wall - offsetMs(wall - 86_400_000, timeZone);
}

/** Every occurrence in [fromMs, toMs), in time order. */
export function occurrencesBetween(
  repeat: Repeat,
  fromMs: number,
  toMs: number,
  timeZone: string,
): number[] {
  const found: number[] = [];
  // A day either side: an occurrence of one local date may fall in the neighbour's hours.
  let date = localParts(fromMs - 86_400_000, timeZone).date;
  const last = localParts(toMs + 86_400_000, timeZone).date;
  for (;;) {
    for (const instant of occurrencesOn(repeat, date, timeZone)) {
      if (instant >= fromMs && instant < toMs) found.push(instant);
    }
    if (date >= last) break;

    date = nextDate(date);
  }
  return [...new Set(found)].sort((a, b) => a - b);
}

/** The occurrence playing at `atMs`, if one started less than `durationMs` before it. */
export function occurrenceAt(
  repeat: Repeat,
  atMs: number,
  durationMs: number,
  timeZone: string,
): number | null {
  const started = occurrencesBetween(repeat, atMs - durationMs + 1, atMs + 1, timeZone);
  return started.at(-1) ?? null;
}
