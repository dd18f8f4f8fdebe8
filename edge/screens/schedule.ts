import { localParts, previousDate, weekdayOf } from '../../core/index.ts';
import type {
  Daypart,
  ScheduleWindow,
  ScreenOverride,
  ScreenTarget,
} from '../../protocol/index.ts';
import type { Playlist, PlaylistEntry, Programme, ProgrammeItem } from './model.ts';
import { occurrenceAt } from './repeat.ts';
import { blendShares } from './share.ts';

export interface ScreenInfo {
  id: string;
  zone: string;
  role: 'signage' | 'queue-board' | 'kiosk' | 'counter-tablet';
}

export interface ActiveOverride {
  override: ScreenOverride;
  endsAt: number;
}

/** Everything the scheduler reads; all of it passed in, so it is a pure function of time. */
export interface ResolveInput {
  now: number;
  timeZone: string;
  screen: ScreenInfo;
  playlists: readonly Playlist[];
  overrides: readonly ActiveOverride[];
  themePlaylist: Playlist | null;
  ruleHolds(playlist: Playlist): boolean;
  playable(contentId: string): boolean;
  playsThisHour(playlist: Playlist): number;
  render(entry: PlaylistEntry, playlist: Playlist): ProgrammeItem | null;
  overrideItem(override: ScreenOverride): ProgrammeItem;
  idleItem(): ProgrammeItem;
}

type Unkeyed = Omit<Programme, 'key'>;

/**
 * What a screen plays now, in layers: an override interrupts everything; then a spot due at
 * this minute; then the loop of the winning playlist, with campaigns that ask for a share of
 * voice blended in; then the theme's default playlist; never a blank, the idle page at last.
 */
export function resolveProgramme(input: ResolveInput): Programme {
  const programme = overrideLayer(input) ?? spotLayer(input) ?? loopLayer(input) ?? idle(input);
  return { ...programme, key: JSON.stringify(programme) };
}

function overrideLayer(input: ResolveInput): Unkeyed | null {
  const mine = input.overrides
    .filter(
      ({ override, endsAt }) =>
        endsAt > input.now &&
        (!override.screens?.length || override.screens.includes(input.screen.id)),
    )
    .sort((a, b) => b.endsAt - a.endsAt || a.override.id.localeCompare(b.override.id));
  const active = mine[0];
  if (!active) return null;

  return { reason: 'override', items: [input.overrideItem(active.override)], until: active.endsAt };
}

function spotLayer(input: ResolveInput): Unkeyed | null {
  for (const playlist of eligible(input)) {
    for (const entry of playlist.items) {
      if (!entry.repeat || !input.playable(entry.content)) continue;

      const startedAt = occurrenceAt(entry.repeat, input.now, entry.durationMs, input.timeZone);
      const item = startedAt === null ? null : input.render(entry, playlist);
      if (startedAt === null || !item) continue;

      return {
        reason: 'spot',
        playlist: playlist.id,
        items: [item],
        until: startedAt + entry.durationMs,
      };
    }
  }
  return null;
}

function loopLayer(input: ResolveInput): Unkeyed | null {
  const playing = eligible(input)
    .map((playlist) => ({ playlist, items: loopItems(playlist, input) }))
    .filter((candidate) => candidate.items.length > 0);
  const shared = playing.filter(({ playlist }) => playlist.shareOfVoice?.share !== undefined);
  const base =
    playing.find(({ playlist }) => playlist.shareOfVoice?.share === undefined) ??
    themeCandidate(input);
  if (!base && shared.length === 0) return null;

  const items = blendShares(
    base?.items ?? [],
    shared.map(({ playlist, items }) => ({ share: playlist.shareOfVoice?.share ?? 0, items })),
  );
  const reason = base?.playlist === input.themePlaylist ? 'theme' : 'playlist';
  return base ? { reason, playlist: base.playlist.id, items } : { reason, items };
}

function themeCandidate(input: ResolveInput) {
  const playlist = input.themePlaylist;
  const items = playlist ? loopItems(playlist, input) : [];
  return playlist && items.length ? { playlist, items } : undefined;
}

function loopItems(playlist: Playlist, input: ResolveInput): ProgrammeItem[] {
  return playlist.items
    .filter((entry) => !entry.repeat && input.playable(entry.content))
    .map((entry) => input.render(entry, playlist))
    .filter((item): item is ProgrammeItem => item !== null);
}

function idle(input: ResolveInput): Unkeyed {
  return { reason: 'idle', items: [input.idleItem()] };
}

/** Playlists that may play on this screen now, best first: priority, specificity, id. */
function eligible(input: ResolveInput): Playlist[] {
  return input.playlists
    .filter(
      (playlist) =>
        targets(playlist.target, input.screen) &&
        inWindow(playlist.schedule, input.now, input.timeZone) &&
        (!playlist.rule || input.ruleHolds(playlist)) &&
        underHourlyCap(playlist, input),
    )
    .sort(byPrecedence);
}

function underHourlyCap(playlist: Playlist, input: ResolveInput): boolean {
  const cap = playlist.shareOfVoice?.maxPlaysPerHour;
  return cap === undefined || input.playsThisHour(playlist) < cap;
}

export function byPrecedence(a: Playlist, b: Playlist): number {
  return (
    b.priority - a.priority ||
    windowMinutes(a.schedule) - windowMinutes(b.schedule) ||
    dateSpanDays(a.schedule) - dateSpanDays(b.schedule) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

export function targets(target: ScreenTarget | undefined, screen: ScreenInfo): boolean {
  if (target?.screens?.length && !target.screens.includes(screen.id)) return false;
  if (target?.zones?.length && !target.zones.includes(screen.zone)) return false;
  return !target?.roles?.length || target.roles.includes(screen.role);
}

/** Whether a schedule window holds at an instant, read on the branch's wall clock. */
export function inWindow(schedule: ScheduleWindow | undefined, at: number, timeZone: string) {
  const local = localParts(at, timeZone);
  const datesOk = (date: string) =>
    (!schedule?.startDate || date >= schedule.startDate) &&
    (!schedule?.endDate || date <= schedule.endDate);
  if (!schedule?.dayparts) return datesOk(local.date);

  return schedule.dayparts.some((daypart) => {
    const startDate = daypartStartDate(daypart, local.date, local.minuteOfDay);
    return (
      startDate !== null &&
      datesOk(startDate) &&
      (!daypart.days || daypart.days.includes(weekdayOf(startDate)))
    );
  });
}

/** The local date a daypart holding this minute started on: one crossing midnight began the day before. */
function daypartStartDate(daypart: Daypart, date: string, minute: number): string | null {
  const from = minutesOf(daypart.from);
  const to = minutesOf(daypart.to);
  if (from < to) return minute >= from && minute < to ? date : null;
  if (minute >= from) return date;
  return minute < to ? previousDate(date) : null;
}

const minutesOf = (wall: string) => Number(wall.slice(0, 2)) * 60 + Number(wall.slice(3, 5));

/** Minutes a week the dayparts cover: fewer is more specific. */
function windowMinutes(schedule: ScheduleWindow | undefined): number {
  if (!schedule?.dayparts) return 7 * 1440;

  return schedule.dayparts.reduce((sum, daypart) => {
    const from = minutesOf(daypart.from);
    const to = minutesOf(daypart.to);
    const length = from < to ? to - from : 1440 - from + to;
    return sum + length * (daypart.days?.length ?? 7);
  }, 0);
}

function dateSpanDays(schedule: ScheduleWindow | undefined): number {
  const start = schedule?.startDate ? Date.parse(schedule.startDate) : -8.64e15;
  const end = schedule?.endDate ? Date.parse(schedule.endDate) : 8.64e15;
  return Math.round((end - start) / 86_400_000);
}
