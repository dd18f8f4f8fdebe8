/**
 * Where an instant falls in a branch's own time zone: the local hour it starts, the local
 * day, the hour of the day, the weekday and the ISO week. Intl does the zone arithmetic, so
 * a day across a DST change simply has 23 or 25 hours.
 */
export interface LocalHour {
  /** The instant the local hour began, epoch ms. */
  hourAt: number;
  /** `YYYY-MM-DD` in the branch's zone. */
  day: string;
  /** 0..23 on the local clock. */
  hour: number;
  /** 1 Monday .. 7 Sunday. */
  weekday: number;
  /** The local date of that week's Monday, `YYYY-MM-DD`. */
  week: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
// Every zone's offset is a multiple of 15 minutes, so instants of one quarter share an hour.
const quarterMs = 900_000;
const memo = new Map<string, LocalHour>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let found = formatters.get(timeZone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, found);
  }
  return found;
}

function parts(timeZone: string, at: number) {
  const values: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(at)) values[part.type] = part.value;
  return {
    day: `${values.year}-${values.month}-${values.day}`,
    hour: Number(values.hour),
    minute: Number(values.minute),
    second: Number(values.second),
  };
}

/** Days from a `YYYY-MM-DD` date, computed on the calendar (no zone involved). */
export function addDays(day: string, days: number): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, date + days)).toISOString().slice(0, 10);
}

export function weekdayOf(day: string): number {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const sundayFirst = new Date(Date.UTC(year, month - 1, date)).getUTCDay();
  return sundayFirst === 0 ? 7 : sundayFirst;
}

export function localHour(timeZone: string, at: number): LocalHour {
  const key = `${timeZone}\u0000${Math.floor(at / quarterMs)}`;
  const known = memo.get(key);
  if (known) return known;

  const local = parts(timeZone, at);
  const hourAt = at - (at % 1000) - (local.minute * 60 + local.second) * 1000;
  const weekday = weekdayOf(local.day);
  const found = {
    hourAt,
    day: local.day,
    hour: local.hour,
    weekday,
    week: addDays(local.day, 1 - weekday),
  };
  // Bounded: a long-running replica sees new quarters forever.
  if (memo.size > 200_000) memo.clear();
  memo.set(key, found);
  return found;
}

/** Every day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

/** A label of the local hour for tables and charts: `YYYY-MM-DD HH:00`. */
export function hourLabel(local: Pick<LocalHour, 'day' | 'hour'>): string {
  return `${local.day} ${String(local.hour).padStart(2, '0')}:00`;
}
