import type { QueueState, ScreenOverride, ScreenRegistration } from '../../protocol/index.ts';
import type { AssetCache } from './assets.ts';
import type { Library } from './library.ts';
import {
  type Content,
  minimumDurationMs,
  type Playlist,
  type PlaylistEntry,
  type Programme,
  type ProgrammeItem,
} from './model.ts';
import type { Proof } from './proof.ts';
import type { LiveFigures, RuleBook } from './rules.ts';
import { resolveProgramme } from './schedule.ts';
import { escapeHtml, renderFields, type TemplateData, templateDocument } from './templates.ts';
import { type ThemePack, themePlaylist } from './themes.ts';

export interface DirectorOptions {
  library: Library;
  assets: AssetCache;
  rules: RuleBook;
  figures: LiveFigures;
  proof: Proof;
  timeZone: string;
  branchName: string;
  now(): number;
  /** Called with a screen's new programme whenever what it should show changes. */
  publish(screen: string, programme: Programme): void;
}

/**
 * Decides what every screen plays and tells the players when that changes. It resolves all
 * screens each tick (once a second) and at once after any change, so a daypart boundary, a
 * rule switch or an override reaches the players within a second.
 */
export interface Director {
  programmeFor(screen: string): Programme;
  setTheme(pack: ThemePack | null): void;
  theme(): ThemePack | null;
  /** Re-resolves every screen; returns how many programmes changed. */
  tick(): number;
  /** Asks the cache for every asset any playlist uses and pins them against eviction. */
  refreshAssets(): void;
}

const noTheme = { background: '#ffffff', text: '#111111', accent: '#0055aa' };

export function director(options: DirectorOptions): Director {
  const current = new Map<string, Programme>();
  let theme: { pack: ThemePack; playlist: Playlist; contents: Map<string, Content> } | null = null;

  const contentOf = (id: string) => options.library.content(id) ?? theme?.contents.get(id);
  const playable = (id: string) => {
    const content = contentOf(id);
    if (!content) return false;

    return content.asset === undefined || options.assets.ready(content.asset);
  };
  const colours = () => theme?.pack.colours ?? noTheme;
  const data = (content?: Content): TemplateData =>
    templateData(options, theme?.pack ?? null, content?.fields ?? {});

  const render = (entry: PlaylistEntry, playlist: Playlist): ProgrammeItem | null => {
    const content = contentOf(entry.content);
    if (!content) return null;

    return itemOf(content, Math.max(minimumDurationMs, entry.durationMs), playlist.campaign, () =>
      templateDocument(renderFields(content.template ?? '', data(content)), colours()),
    );
  };

  const resolve = (screen: ScreenRegistration): Programme => {
    const now = options.now();
    return resolveProgramme({
      now,
      timeZone: options.timeZone,
      screen,
      playlists: options.library.playlists(),
      overrides: options.library.overrides(),
      themePlaylist: theme?.playlist ?? null,
      ruleHolds: (playlist) =>
        !playlist.rule || options.rules.holds(playlist.id, playlist.rule, options.figures, now),
      playable,
      playsThisHour: (playlist) =>
        options.proof.playsThisHour(
          screen.id,
          playlist.items.map((entry) => entry.content),
        ),
      render,
      overrideItem: (override) => overrideItem(override, contentOf, playable, render),
      idleItem: () => ({
        id: 'idle',
        type: 'idle',
        durationMs: 60_000,
        html: templateDocument(idleBody(options.branchName, theme?.pack ?? null), colours()),
      }),
    });
  };

  return {
    programmeFor(screen) {
      const known = current.get(screen);
      if (known) return known;

      const registration = options.library.screen(screen);
      return registration ? resolve(registration) : resolveIdle(options, colours());
    },
    setTheme(pack) {
      if (!pack) {
        theme = null;
        return;
      }

      const { playlist, contents } = themePlaylist(pack);
      theme = {
        pack,
        playlist,
        contents: new Map(contents.map((content) => [content.id, content])),
      };
    },
    theme: () => theme?.pack ?? null,
    tick() {
      let changed = 0;
      for (const screen of options.library.screens()) {
        const programme = resolve(screen);
        if (current.get(screen.id)?.key === programme.key) continue;

        current.set(screen.id, programme);
        options.publish(screen.id, programme);
        changed += 1;
      }
      return changed;
    },
    refreshAssets() {
      const used = options.library
        .playlists()
        .flatMap((playlist) => playlist.items)
        .map((entry) => contentOf(entry.content))
        .filter((content): content is Content => content?.asset !== undefined);
      options.assets.pin(new Set(used.map((content) => content.asset as string)));
      options.assets.want(
        used.map((content) => ({ sha256: content.asset as string, size: content.size ?? 0 })),
      );
    },
  };
}

function itemOf(
  content: Content,
  durationMs: number,
  campaign: string | undefined,
  html: () => string,
): ProgrammeItem {
  const base = {
    id: content.id,
    type: content.type,
    durationMs,
    ...(campaign ? { campaign } : {}),
  };
  if (content.type === 'template') return { ...base, html: html() };
  if (content.type === 'web') return { ...base, url: content.url ?? 'about:blank' };
  return { ...base, src: `/screens/assets/${content.asset}` };
}

function overrideItem(
  override: ScreenOverride,
  contentOf: (id: string) => Content | undefined,
  playable: (id: string) => boolean,
  render: (entry: PlaylistEntry, playlist: Playlist) => ProgrammeItem | null,
): ProgrammeItem {
  const durationMs = Math.max(minimumDurationMs, Math.round(override.minutes * 60_000));
  const content = override.content ? contentOf(override.content) : undefined;
  const shown =
    content && playable(content.id)
      ? render(
          { content: content.id, durationMs },
          { id: override.id, name: override.title, priority: 0, items: [] },
        )
      : null;
  if (shown) return { ...shown, id: `override:${override.id}` };

  const body = `<h1>${escapeHtml(override.title)}</h1>${override.text ? `<p>${escapeHtml(override.text)}</p>` : ''}`;
  return {
    id: `override:${override.id}`,
    type: 'template',
    durationMs,
    html: templateDocument(body, { background: '#b00020', text: '#ffffff', accent: '#ffffff' }),
  };
}

function resolveIdle(options: DirectorOptions, colours: typeof noTheme): Programme {
  const items: ProgrammeItem[] = [
    {
      id: 'idle',
      type: 'idle',
      durationMs: 60_000,
      html: templateDocument(idleBody(options.branchName, null), colours),
    },
  ];
  return { key: 'idle', reason: 'idle', items };
}

function idleBody(branchName: string, pack: ThemePack | null): string {
  const welcome = pack
    ? `<h2>${escapeHtml(pack.welcome.zh)}</h2><p>${escapeHtml(pack.welcome.en)}</p>`
    : '<h2>欢迎光临</h2><p>Welcome</p>';
  return `<h1>${escapeHtml(branchName)}</h1>${welcome}`;
}

function templateData(
  options: DirectorOptions,
  pack: ThemePack | null,
  fields: Record<string, string>,
) {
  const queue = options.figures.queue;
  const benefits: TemplateData = {};
  for (const [index, benefit] of (pack?.benefits ?? []).entries()) {
    benefits[String(index)] = {
      title: benefit.title,
      titleZh: benefit.titleZh ?? '',
      detail: benefit.detail ?? '',
    };
  }
  const data: TemplateData = {
    branch: { name: options.branchName },
    theme: pack ? { id: pack.id, name: pack.name, welcome: pack.welcome } : {},
    benefits,
    queue: queueData(queue),
    fields,
  };
  return data;
}

function queueData(queue: QueueState | null): TemplateData {
  const serving = (queue?.nowServing ?? []).map((entry) => `${entry.number} → ${entry.counter}`);
  const waiting = (queue?.waiting ?? []).reduce((sum, entry) => sum + entry.count, 0);
  return { nowServing: serving.length ? serving : ['—'], waiting };
}
