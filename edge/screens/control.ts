import type { Logger } from 'pino';
import { SmartBranchError } from '../../core/index.ts';
import type { CampaignManifest, ScreenOverride, ScreenRegistration } from '../../protocol/index.ts';
import type { AssetCache } from './assets.ts';
import type { Director } from './director.ts';
import type { Hub } from './hub.ts';
import type { Library } from './library.ts';
import { manifestPlaylists } from './manifest.ts';
import type { Content, Playlist } from './model.ts';
import type { Pairing, PairingCode, PlayerRecord } from './pairing.ts';
import type { PlayRow, Proof } from './proof.ts';
import { checkUpload } from './sniff.ts';
import { readThemeFolder, shippedThemes, type ThemePack } from './themes.ts';

export interface ControlParts {
  library: Library;
  assets: AssetCache;
  director: Director;
  hub: Hub;
  pairing: Pairing;
  proof: Proof;
  log: Logger;
  now(): number;
  branchName: string;
  themesFolder: string | undefined;
  /** Something changed that players may need to see: re-resolve and push now. */
  changed(): void;
  publishStatus(screen: string, players: number): void;
}

/** What REST, the bus and the lead's code may ask of the screens module. */
export interface Control {
  readonly branchName: string;
  screen(id: string): ScreenRegistration | undefined;
  screenList(): (ScreenRegistration & { online: boolean; players: number })[];
  registerScreen(screen: ScreenRegistration): ScreenRegistration;
  pairingCodes(): PairingCode[];
  pair(screen: string, code: string): { player: string; token: string };
  players(): PlayerRecord[];
  revoke(player: string): boolean;
  contents(): Content[];
  saveContent(content: Content): Content;
  upload(meta: { id: string; name: string; filename: string }, bytes: Buffer): Content;
  assetFile(sha256: string): { path: string; mime: string | undefined } | null;
  playlists(): Playlist[];
  savePlaylist(playlist: Playlist): Playlist;
  deletePlaylist(id: string): boolean;
  override(override: ScreenOverride): { id: string; endsAt: number | null };
  themes(): { id: string; name: string; current: boolean }[];
  addTheme(pack: ThemePack): { id: string };
  setTheme(id: string): { theme: string };
  applyManifest(manifest: CampaignManifest): { applied: boolean; reason?: string };
  plays(screen?: string): PlayRow[];
  stats(): Record<string, unknown>;
}

export function control(parts: ControlParts): Control {
  const { library, director, hub, log } = parts;

  const allThemes = (): Map<string, ThemePack> => {
    const report = (file: string, problem: string) =>
      log.warn({ file, problem }, 'theme pack refused');
    const packs = [
      ...shippedThemes(report),
      ...(parts.themesFolder ? readThemeFolder(parts.themesFolder, report) : []),
      ...library.addedThemes(),
    ];
    return new Map(packs.map((pack) => [pack.id, pack]));
  };

  const requireContent = (playlist: Playlist) => {
    const missing = playlist.items.findIndex((entry) => !library.content(entry.content));
    if (missing >= 0) {
      throw new SmartBranchError(
        'SB_ERR_INVALID_REQUEST',
        `items.${missing}.content: no content ${playlist.items[missing]?.content}`,
        `items.${missing}.content`,
      );
    }
  };

  const self: Control = {
    branchName: parts.branchName,
    screen: (id) => library.screen(id),
    screenList: () => {
      const online = hub.online();
      return library.screens().map((screen) => ({
        ...screen,
        players: online.get(screen.id) ?? 0,
        online: (online.get(screen.id) ?? 0) > 0,
      }));
    },
    registerScreen(screen) {
      library.saveScreen(screen, 'local');
      log.info({ screen: screen.id, role: screen.role }, 'screen registered');
      parts.changed();
      return screen;
    },
    pairingCodes: () => parts.pairing.codes(library.screens().map((screen) => screen.id)),
    pair(screen, code) {
      if (!library.screen(screen))
        throw new SmartBranchError('SB_ERR_NOT_FOUND', `no screen ${screen}`, 'screen');

      const paired = parts.pairing.pair(screen, code);
      log.info({ screen, player: paired.player }, 'player paired');
      return paired;
    },
    players: () => parts.pairing.players(),
    revoke(player) {
      const revoked = parts.pairing.revoke(player);
      if (revoked) {
        hub.disconnectPlayer(player);
        log.info({ player }, 'player token revoked');
      }
      return revoked;
    },
    contents: () => library.contents(),
    saveContent(content) {
      if (content.asset && !parts.assets.ready(content.asset)) {
        throw new SmartBranchError(
          'SB_ERR_INVALID_REQUEST',
          'asset: not in the cache; upload the file',
          'asset',
        );
      }

      library.saveContent(content, 'local');
      parts.changed();
      return content;
    },
    upload(meta, bytes) {
      const kind = checkUpload(meta.filename, bytes);
      if ('problem' in kind)
        throw new SmartBranchError('SB_ERR_INVALID_REQUEST', kind.problem, 'body');

      const sha256 = parts.assets.put(bytes, kind.mime);
      const content: Content = {
        id: meta.id,
        name: meta.name,
        type: kind.type,
        asset: sha256,
        size: bytes.length,
        mime: kind.mime,
      };
      library.saveContent(content, 'local');
      log.info({ content: meta.id, size: bytes.length, mime: kind.mime }, 'content uploaded');
      parts.changed();
      return content;
    },
    assetFile(sha256) {
      const path = parts.assets.file(sha256);
      const mime = library.contents().find((content) => content.asset === sha256)?.mime;
      return path ? { path, mime } : null;
    },
    playlists: () => library.playlists(),
    savePlaylist(playlist) {
      requireContent(playlist);
      library.savePlaylist(playlist, 'local');
      parts.changed();
      return playlist;
    },
    deletePlaylist(id) {
      const deleted = library.deletePlaylist(id);
      if (deleted) parts.changed();
      return deleted;
    },
    override(override) {
      if (override.cancel) {
        library.cancelOverride(override.id);
        parts.changed();
        return { id: override.id, endsAt: null };
      }

      const endsAt = parts.now() + Math.round(override.minutes * 60_000);
      library.saveOverride({ override, endsAt });
      log.info({ override: override.id, minutes: override.minutes }, 'override started');
      parts.changed();
      return { id: override.id, endsAt };
    },
    themes: () =>
      [...allThemes().values()].map((pack) => ({
        id: pack.id,
        name: pack.name,
        current: director.theme()?.id === pack.id,
      })),
    addTheme(pack) {
      library.saveTheme(pack);
      log.info({ theme: pack.id }, 'theme pack added');
      if (director.theme()?.id === pack.id) self.setTheme(pack.id);
      return { id: pack.id };
    },
    setTheme(id) {
      const pack = allThemes().get(id);
      if (!pack) throw new SmartBranchError('SB_ERR_NOT_FOUND', `no theme ${id}`, 'theme');

      director.setTheme(pack);
      library.setSetting('theme', id);
      hub.broadcast('theme', { id: pack.id, colours: pack.colours });
      log.info({ theme: id }, 'theme switched');
      parts.changed();
      return { theme: id };
    },
    applyManifest(manifest) {
      const known = Number(library.setting('manifestVersion') ?? 0);
      if (manifest.version <= known)
        return { applied: false, reason: `version ${manifest.version} is not newer than ${known}` };

      const { playlists, contents } = manifestPlaylists(manifest);
      library.replaceCampaigns(playlists, contents, manifest.version);
      log.info(
        { version: manifest.version, campaigns: playlists.length },
        'campaign manifest applied',
      );
      parts.changed();
      return { applied: true };
    },
    plays: (screen) => parts.proof.plays(screen),
    stats: () => ({}),
  };
  return self;
}

export function initialTheme(ctl: Control, library: Library, fallback: string, log: Logger) {
  const wanted = library.setting('theme') ?? fallback;
  try {
    ctl.setTheme(wanted);
  } catch {
    log.warn({ theme: wanted }, 'theme not found; screens show the idle page');
  }
}
