import type { Programme } from '../../../edge/screens/model.ts';
import { Playlist } from '../../../edge/screens/model.ts';
import {
  type ActiveOverride,
  resolveProgramme,
  type ScreenInfo,
} from '../../../edge/screens/schedule.ts';

export const screen: ScreenInfo = { id: 'tv-1', zone: 'waiting', role: 'signage' };

/** A playlist checked by the module's own schema, as REST would store it. */
export function playlist(body: Record<string, unknown>): Playlist {
  return Playlist.parse({ name: String(body.id), ...body });
}

export interface Scene {
  timeZone: string;
  playlists: Playlist[];
  overrides?: ActiveOverride[];
  theme?: Playlist | null;
  unavailable?: string[];
  rules?: (playlist: Playlist) => boolean;
  playsThisHour?: (playlist: Playlist) => number;
}

/** The programme of `screen` at an instant, with every content item playable unless named. */
export function programmeAt(scene: Scene, now: number, target: ScreenInfo = screen): Programme {
  return resolveProgramme({
    now,
    timeZone: scene.timeZone,
    screen: target,
    playlists: scene.playlists,
    overrides: scene.overrides ?? [],
    themePlaylist: scene.theme ?? null,
    ruleHolds: scene.rules ?? (() => true),
    playable: (id) => !(scene.unavailable ?? []).includes(id),
    playsThisHour: scene.playsThisHour ?? (() => 0),
    render: (entry, list) => ({
      id: entry.content,
      type: 'template',
      durationMs: entry.durationMs,
      html: entry.content,
      ...(list.campaign ? { campaign: list.campaign } : {}),
    }),
    overrideItem: (override) => ({
      id: `override:${override.id}`,
      type: 'template',
      durationMs: 60_000,
    }),
    idleItem: () => ({ id: 'idle', type: 'idle', durationMs: 60_000 }),
  });
}

export const ids = (programme: Programme) => programme.items.map((item) => item.id);
