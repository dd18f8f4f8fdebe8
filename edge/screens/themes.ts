import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { Id } from '../../protocol/index.ts';
import type { Content, Playlist } from './model.ts';
import { durationProblem } from './model.ts';

/** The packs that ship with the gateway, with fixed ids HQ and flows can rely on. */
export const shippedThemeIds = [
  'shopping-mall',
  'special-offer-life',
  'community',
  'car-life',
  'health',
  'home',
] as const;

const shippedFolder = fileURLToPath(new URL('./themes/', import.meta.url));

const Colour = z
  .string()
  .regex(/^(#[0-9a-fA-F]{3,8}|[a-z]{3,20})$/, 'must be #rgb or a CSS colour name');

/**
 * A theme pack: data, not code. It picks the default playlist, its templates, the colours
 * and the benefits every screen, the board and the kiosk show. A new one is a JSON file in
 * the themes folder or a POST from HQ.
 */
export const ThemePack = z.strictObject({
  id: Id,
  name: z.string().min(1).max(120),
  colours: z.strictObject({ background: Colour, text: Colour, accent: Colour }),
  welcome: z.strictObject({ en: z.string().max(200), zh: z.string().max(200) }),
  benefits: z
    .array(
      z.strictObject({
        id: Id,
        title: z.string().max(200),
        titleZh: z.string().max(200).optional(),
        detail: z.string().max(500).optional(),
      }),
    )
    .max(50),
  playlist: z
    .array(
      z
        .strictObject({
          id: Id,
          name: z.string().min(1).max(200),
          durationMs: z.unknown(),
          template: z.string().min(1).max(20_000),
        })
        .superRefine((item, context) => {
          const problem = durationProblem(item.durationMs);
          if (problem)
            context.addIssue({
              code: 'custom',
              path: ['durationMs'],
              message: `item ${item.id} ${problem}`,
            });
        }),
    )
    .min(3, 'a theme needs a default playlist of at least three items')
    .max(100),
});

export type ThemePack = z.output<typeof ThemePack>;

/** Reads every pack of a folder; a pack that fails its schema is reported and skipped. */
export function readThemeFolder(
  folder: string,
  report: (file: string, problem: string) => void,
): ThemePack[] {
  let names: string[];
  try {
    names = readdirSync(folder)
      .filter((name) => name.endsWith('.json'))
      .sort();
  } catch {
    return [];
  }

  return names.flatMap((name) => {
    try {
      const parsed = ThemePack.safeParse(JSON.parse(readFileSync(join(folder, name), 'utf8')));
      if (parsed.success) return [parsed.data];

      const issue = parsed.error.issues[0];
      report(name, `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
    } catch (err) {
      report(name, (err as Error).message);
    }
    return [];
  });
}

export function shippedThemes(report: (file: string, problem: string) => void): ThemePack[] {
  return readThemeFolder(shippedFolder, report);
}

export const themeContentId = (theme: string, item: string) => `theme:${theme}:${item}`;

/** A theme's default playlist, far below every campaign, and its template contents. */
export function themePlaylist(pack: ThemePack): { playlist: Playlist; contents: Content[] } {
  const contents: Content[] = pack.playlist.map((item) => ({
    id: themeContentId(pack.id, item.id),
    name: item.name,
    type: 'template',
    template: item.template,
  }));
  const playlist: Playlist = {
    id: `theme:${pack.id}`,
    name: pack.name,
    priority: -1_000_000,
    items: pack.playlist.map((item) => ({
      content: themeContentId(pack.id, item.id),
      durationMs: item.durationMs as number,
    })),
  };
  return { playlist, contents };
}
