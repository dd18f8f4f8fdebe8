/**
 * Wall-clock time in a branch's time zone, from the platform's own tz database (Intl), so
 * dayparts, queue days, working hours and local-hour rollups follow daylight saving without
 * a table of our own: a local day may simply have 23 or 25 hours.
 */
export interface LocalParts {
  /** `YYYY-MM-DD` */
  date: string;
  /** 0 Sunday … 6 Saturday */
  weekday: number;
  hour: number;
  minute: number;
  second: number;
  /** Minutes since local midnight. */
  minuteOfDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format) return format;

  format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    weekday: 'short',
  });
  formatters.set(timeZone, format);
  return format;
}

/** Whether the platform knows a time zone name; config checks it at start-up. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function localParts(epochMs: number, timeZone: string): LocalParts {
  const parts: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(epochMs)) parts[part.type] = part.value;

  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: weekdays.indexOf(parts.weekday ?? ''),
    hour,
    minute,
    second: Number(parts.second),
    minuteOfDay: hour * 60 + minute,
  };
}

/** The date `days` after a `YYYY-MM-DD` date (before, for a negative count), by the calendar. */
export function addDays(date: string, days: number): string {
  const day = new Date(`${date}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
}

export const previousDate = (date: string) => addDays(date, -1);

export const nextDate = (date: string) => addDays(date, 1);

/** 0 Sunday … 6 Saturday, of a `YYYY-MM-DD` date. */
export function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** Offset of local time from UTC at an instant, in milliseconds. */
export function offsetMs(epochMs: number, timeZone: string): number {
  const local = localParts(epochMs, timeZone);
  const asUtc = Date.parse(
    `${local.date}T${pad(local.hour)}:${pad(local.minute)}:${pad(local.second)}Z`,
  );
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/**
 * Every instant whose local wall time is `date` `hour:minute`: none in a spring-forward gap,
 * two in a fall-back hour, one otherwise; earliest first.
 */
export function instantsAt(date: string, hour: number, minute: number, timeZone: string): number[] {
  const wall = Date.parse(`${date}T${pad(hour)}:${pad(minute)}:00Z`);
  // Real offsets lie within ±14 h; the offsets around the wall time are the only candidates.
  const offsets = new Set([
    offsetMs(wall - 86_400_000, timeZone),
    offsetMs(wall, timeZone),
    offsetMs(wall + 86_400_000, timeZone),
  ]);
  const found = [...offsets]
    .map((offset) => wall - offset)
    .filter((instant) => {
      const local = localParts(instant, timeZone);
      return local.date === date && local.hour === hour && local.minute === minute;
    });
  return [...new Set(found)].sort((a, b) => a - b);
}

/** Start of the local hour holding an instant: proof of play is rolled up per local hour. */
export function localHourStart(epochMs: number, timeZone: string): number {
  const local = localParts(epochMs, timeZone);
  return Math.floor(epochMs / 1000) * 1000 - (local.minute * 60 + local.second) * 1000;
}

const pad = (value: number) => String(value).padStart(2, '0');
