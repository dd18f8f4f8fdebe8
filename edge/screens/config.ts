import { z } from 'zod';
import { isTimeZone } from '../../core/index.ts';
import { Id, ScreenRegistration } from '../../protocol/index.ts';

/** The `screens` section of gateway.json, checked once at start-up. */
export const ScreensConfig = z.strictObject({
  /** Screens known from the file; more can be registered over REST and the bus. */
  screens: z
    .array(ScreenRegistration)
    .max(200)
    .default([])
    .refine(
      (screens) => new Set(screens.map((screen) => screen.id)).size === screens.length,
      'screen ids must be unique',
    ),
  /** The branch's IANA time zone: dayparts are read on its wall clock. */
  timeZone: z.string().refine(isTimeZone, 'is not a time zone this platform knows'),
  /** Folder of the on-disk asset cache. Default ./data/gateway/screens-cache. */
  cacheDir: z.string().default('./data/gateway/screens-cache'),
  /** Size limit of the asset cache, in bytes. Default 2 GiB. */
  cacheMaxBytes: z
    .number()
    .int()
    .positive()
    .default(2 * 1024 ** 3),
  /** The theme at first start; later switches are remembered. Default shopping-mall. */
  theme: Id.default('shopping-mall'),
  /** A folder of extra theme packs (JSON) besides the six shipped. Default: none. */
  themesFolder: z.string().optional(),
  /** Age bands with fewer viewers than this in an hour's proof of play are suppressed. Default 5. */
  kAnonymity: z.number().int().min(1).max(100).default(5),
  /** Largest content upload, in bytes. Default 200 MiB. */
  uploadMaxBytes: z
    .number()
    .int()
    .positive()
    .default(200 * 1024 ** 2),
  /** A player silent this long is shown offline, in milliseconds. Default 6000. */
  heartbeatTimeoutMs: z.number().int().min(1000).max(60_000).default(6000),
  /** How long a pairing code stays valid, in milliseconds. Default 10 minutes. */
  pairingCodeTtlMs: z.number().int().min(10_000).default(600_000),
  /** Wait before fetching a failed asset again, in milliseconds. Default 30 s. */
  assetRetryMs: z.number().int().min(100).default(30_000),
});

export type ScreensConfig = z.output<typeof ScreensConfig>;
