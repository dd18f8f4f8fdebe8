import { z } from 'zod';
import { isTimeZone, offsetMs } from '../../core/index.ts';

/** A branch's working calendar: hours in its own zone, weekends and public holidays off. */
export const BranchCalendar = z.strictObject({
  timeZone: z.string().refine(isTimeZone, 'is not an IANA time zone').default('UTC'),
  /** Opening and closing hour, local, 0..24; default 9 to 17. */
  openHour: z.number().int().min(0).max(23).default(9),
  closeHour: z.number().int().min(1).max(24).default(17),
  /** ISO weekdays off, 1 = Monday; default Saturday and Sunday. */
  weekendDays: z.array(z.number().int().min(1).max(7)).default([6, 7]),
  /** Local dates off, `YYYY-MM-DD`. */
  holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).default([]),
});
export type BranchCalendar = z.output<typeof BranchCalendar>;

const minuteMs = 60_000;
// Bounds the walk: a calendar with no working minute at all must not spin for ever.
const maxDaysWalked = 60;

/** The instant `workingMinutes` working minutes after `start` on the calendar. */
export function addWorkingMinutes(
  calendar: BranchCalendar,
  start: number,
  workingMinutes: number,
): number {
  const offsets = new Map<number, number>();
  let at = Math.ceil(start / minuteMs) * minuteMs;
  let left = workingMinutes;
  const end = at + maxDaysWalked * 1440 * minuteMs;
  while (left > 0 && at < end) {
    if (isWorkingMinute(calendar, at, offsets)) left -= 1;
    at += minuteMs;
  }

  return at;
}

function isWorkingMinute(calendar: BranchCalendar, at: number, offsets: Map<number, number>) {
  const hourKey = Math.floor(at / 3_600_000);
  let offset = offsets.get(hourKey);
  if (offset === undefined) {
    offset = offsetMs(at, calendar.timeZone);
    offsets.set(hourKey, offset);
  }

  const local = new Date(at + offset);
  const weekday = local.getUTCDay() === 0 ? 7 : local.getUTCDay();
  if (calendar.weekendDays.includes(weekday)) return false;
  if (calendar.holidays.includes(local.toISOString().slice(0, 10))) return false;

  const hour = local.getUTCHours();
  return hour >= calendar.openHour && hour < calendar.closeHour;
}
