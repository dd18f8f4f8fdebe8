import { z } from 'zod';
import {
  Id,
  Repeat,
  ScheduleWindow,
  ScreenTarget,
  ShareOfVoice,
  TargetRule,
} from '../../protocol/index.ts';

/** No item plays shorter than this; a player never advances faster, whatever slips through. */
export const minimumDurationMs = 1000;

export const ContentType = z.enum(['image', 'video', 'web', 'template']);

/** A piece of content: an asset on disk (image, video), a web page, or an HTML template. */
export const Content = z
  .strictObject({
    id: Id,
    name: z.string().min(1).max(200),
    type: ContentType,
    /** sha256 of the asset in the gateway's cache, for images and videos. */
    asset: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    size: z.number().int().nonnegative().optional(),
    mime: z.string().max(100).optional(),
    url: z.string().url().max(2000).optional(),
    /** HTML with `{{path}}` fields; every value is escaped when it renders. */
    template: z.string().max(20_000).optional(),
    fields: z.record(z.string().max(60), z.string().max(2000)).optional(),
  })
  .superRefine((content, context) => {
    const needs = { image: 'asset', video: 'asset', web: 'url', template: 'template' } as const;
    const field = needs[content.type];
    if (content[field] === undefined) {
      context.addIssue({
        code: 'custom',
        path: [field],
        message: `${content.type} content ${content.id} needs ${field}`,
      });
    }
  });

/**
 * A duration is checked by hand rather than by `z.number()`, so the error names the item:
 * 0, −5, NaN, Infinity and "10" are each refused with the content id and its position.
 */
const Entry = z.strictObject({
  content: Id,
  durationMs: z.unknown(),
  repeat: Repeat.optional(),
});

export const Playlist = z
  .strictObject({
    id: Id,
    name: z.string().min(1).max(200),
    /** Higher wins an overlap. Default 0; a theme's default playlist sits far below. */
    priority: z.number().int().min(-1_000_000).max(1_000_000).default(0),
    items: z.array(Entry).min(1).max(500),
    schedule: ScheduleWindow.optional(),
    target: ScreenTarget.optional(),
    rule: TargetRule.optional(),
    shareOfVoice: ShareOfVoice.optional(),
    /** The campaign this playlist carries, for proof of play. */
    campaign: Id.optional(),
  })
  .superRefine((playlist, context) => {
    playlist.items.forEach((entry, index) => {
      const problem = durationProblem(entry.durationMs);
      if (problem) {
        context.addIssue({
          code: 'custom',
          path: ['items', index, 'durationMs'],
          message: `item ${entry.content} (items.${index}) ${problem}`,
        });
      }
    });
  })
  .transform((playlist) => ({
    ...playlist,
    items: playlist.items.map((entry) => ({ ...entry, durationMs: entry.durationMs as number })),
  }));

export function durationProblem(value: unknown): string | null {
  if (typeof value !== 'number')
    return `duration must be a number of milliseconds, got ${typeof value}`;
  if (!Number.isFinite(value)) return `duration must be finite, got ${value}`;
  if (!Number.isInteger(value)) return `duration must be whole milliseconds, got ${value}`;
  if (value < minimumDurationMs)
    return `duration must be at least ${minimumDurationMs} ms, got ${value}`;
  return null;
}

export type Content = z.output<typeof Content>;
export type Playlist = z.output<typeof Playlist>;
export type PlaylistEntry = Playlist['items'][number];

/** What a player is told to play: a loop of items, until the gateway says otherwise. */
export interface ProgrammeItem {
  id: string;
  campaign?: string;
  type: 'image' | 'video' | 'web' | 'template' | 'idle';
  durationMs: number;
  /** Address of an image or video on the gateway, by sha256. */
  src?: string;
  /** A rendered template or idle page, shown in a sandboxed frame without scripts. */
  html?: string;
  url?: string;
}

export interface Programme {
  /** Changes whenever anything a player would show changes. */
  key: string;
  reason: 'override' | 'spot' | 'playlist' | 'theme' | 'idle';
  playlist?: string;
  items: ProgrammeItem[];
  /** The gateway will send another programme at this instant (an override's or spot's end). */
  until?: number;
}
