import { addDays, localParts, weekdayOf } from '../../core/index.ts';

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

// Every zone's offset is a multiple of 15 minutes, so instants of one quarter share an hour.
const quarterMs = 900_000;
const memo = new Map<string, LocalHour>();

/** 1 Monday .. 7 Sunday, of a `YYYY-MM-DD` date: the ISO weekday weeks start from. */
const isoWeekdayOf = (day: string) => weekdayOf(day) || 7;

export function localHour(timeZone: string, at: number): LocalHour {
  const key = `${timeZone}\u0000${Math.floor(at / quarterMs)}`;
  const known = memo.get(key);
  if (known) return known;

  const local = localParts(at, timeZone);
  const hourAt = at - (at % 1000) - (local.minute * 60 + local.second) * 1000;
  const weekday = isoWeekdayOf(local.date);
  const found = {
    hourAt,
    day: local.date,
    hour: local.hour,
    weekday,
    week: addDays(local.date, 1 - weekday),
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
