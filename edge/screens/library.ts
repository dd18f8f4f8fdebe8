import type { z } from 'zod';
import { ScreenOverride, ScreenRegistration } from '../../protocol/index.ts';
import type { Db } from '../store/index.ts';
import { Content, Playlist } from './model.ts';
import type { ActiveOverride } from './schedule.ts';
import { ThemePack } from './themes.ts';

export type Source = 'config' | 'local' | 'campaign';

/**
 * Screens, content, playlists, overrides and added theme packs: SQLite rows holding JSON
 * bodies, checked by their schema on the way in and again on the way out, with a copy in
 * memory for the scheduler, which reads them every second.
 */
export interface Library {
  screens(): ScreenRegistration[];
  screen(id: string): ScreenRegistration | undefined;
  saveScreen(screen: ScreenRegistration, source: Source): void;
  content(id: string): Content | undefined;
  contents(): Content[];
  saveContent(content: Content, source: Source): void;
  playlists(): Playlist[];
  savePlaylist(playlist: Playlist, source: Source): void;
  deletePlaylist(id: string): boolean;
  /** Swaps every campaign playlist and its content for a manifest's, in one transaction. */
  replaceCampaigns(playlists: Playlist[], contents: Content[], version: number): void;
  overrides(): ActiveOverride[];
  saveOverride(override: ActiveOverride): void;
  cancelOverride(id: string): boolean;
  addedThemes(): ThemePack[];
  saveTheme(pack: ThemePack): void;
  setting(key: string): string | undefined;
  setSetting(key: string, value: string): void;
}

type Table = 'screens' | 'screen_content' | 'screen_playlists';

export function library(db: Db): Library {
  const read = <S extends z.ZodType>(table: string, schema: S) =>
    (db.prepare(`SELECT body FROM ${table}`).pluck().all() as string[])
      .map((body) => schema.safeParse(JSON.parse(body)))
      .filter((result) => result.success)
      .map((result) => result.data as z.output<S>);

  const screens = new Map(read('screens', ScreenRegistration).map((s) => [s.id, s]));
  const contents = new Map(read('screen_content', Content).map((c) => [c.id, c]));
  const playlists = new Map(read('screen_playlists', Playlist).map((p) => [p.id, p]));
  const overrides = new Map(loadOverrides(db).map((o) => [o.override.id, o]));
  const themes = new Map(read('screen_themes', ThemePack).map((t) => [t.id, t]));

  const upsert = (table: Table) =>
    db.prepare(`INSERT OR REPLACE INTO ${table} (id, body, source) VALUES (?, ?, ?)`);
  const saveRow = {
    screens: upsert('screens'),
    screen_content: upsert('screen_content'),
    screen_playlists: upsert('screen_playlists'),
  };
  const deleteSource = (table: Table) => db.prepare(`DELETE FROM ${table} WHERE source = ?`);
  const removePlaylist = db.prepare('DELETE FROM screen_playlists WHERE id = ?');
  const settingOf = db.prepare('SELECT value FROM screen_settings WHERE key = ?').pluck();
  const writeSetting = db.prepare(
    'INSERT OR REPLACE INTO screen_settings (key, value) VALUES (?, ?)',
  );
  const sources = new Map<string, Source>(
    (
      db.prepare('SELECT id, source FROM screen_playlists').all() as {
        id: string;
        source: Source;
      }[]
    ).map((row) => [row.id, row.source]),
  );

  const replaceCampaigns = db.transaction(
    (next: Playlist[], nextContents: Content[], version: number) => {
      deleteSource('screen_playlists').run('campaign');
      deleteSource('screen_content').run('campaign');
      for (const playlist of next)
        saveRow.screen_playlists.run(playlist.id, JSON.stringify(playlist), 'campaign');
      for (const content of nextContents)
        saveRow.screen_content.run(content.id, JSON.stringify(content), 'campaign');
      writeSetting.run('manifestVersion', String(version));
    },
  );

  return {
    screens: () => [...screens.values()],
    screen: (id) => screens.get(id),
    saveScreen(screen, source) {
      saveRow.screens.run(screen.id, JSON.stringify(screen), source);
      screens.set(screen.id, screen);
    },
    content: (id) => contents.get(id),
    contents: () => [...contents.values()],
    saveContent(content, source) {
      saveRow.screen_content.run(content.id, JSON.stringify(content), source);
      contents.set(content.id, content);
    },
    playlists: () => [...playlists.values()],
    savePlaylist(playlist, source) {
      saveRow.screen_playlists.run(playlist.id, JSON.stringify(playlist), source);
      playlists.set(playlist.id, playlist);
      sources.set(playlist.id, source);
    },
    deletePlaylist(id) {
      sources.delete(id);
      return removePlaylist.run(id).changes > 0 && playlists.delete(id);
    },
    replaceCampaigns(next, nextContents, version) {
      replaceCampaigns(next, nextContents, version);
      for (const [id, source] of sources) {
        if (source === 'campaign') playlists.delete(id);
      }
      for (const playlist of next) {
        playlists.set(playlist.id, playlist);
        sources.set(playlist.id, 'campaign');
      }
      for (const content of nextContents) contents.set(content.id, content);
    },
    overrides: () => [...overrides.values()],
    saveOverride(active) {
      db.prepare(
        'INSERT OR REPLACE INTO screen_overrides (id, body, ends_at) VALUES (?, ?, ?)',
      ).run(active.override.id, JSON.stringify(active.override), active.endsAt);
      overrides.set(active.override.id, active);
    },
    cancelOverride(id) {
      db.prepare('DELETE FROM screen_overrides WHERE id = ?').run(id);
      return overrides.delete(id);
    },
    addedThemes: () => [...themes.values()],
    saveTheme(pack) {
      db.prepare('INSERT OR REPLACE INTO screen_themes (id, body) VALUES (?, ?)').run(
        pack.id,
        JSON.stringify(pack),
      );
      themes.set(pack.id, pack);
    },
    setting: (key) => settingOf.get(key) as string | undefined,
    setSetting: (key, value) => void writeSetting.run(key, value),
  };
}

function loadOverrides(db: Db): ActiveOverride[] {
  const rows = db.prepare('SELECT body, ends_at AS endsAt FROM screen_overrides').all() as {
    body: string;
    endsAt: number;
  }[];
  return rows.flatMap((row) => {
    const parsed = ScreenOverride.safeParse(JSON.parse(row.body));
    return parsed.success ? [{ override: parsed.data, endsAt: row.endsAt }] : [];
  });
}
