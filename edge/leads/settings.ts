import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { z } from 'zod';
import type { ModuleContext, Timer } from '../../core/index.ts';
import { KioskLeadOptions } from './page.ts';

/** What HQ says a kiosk shows and seals with (GET /api/leads/kiosk-settings on the cloud). */
export const HqLeadSettings = KioskLeadOptions.pick({
  sealPublicKey: true,
  consent: true,
  products: true,
});
export type HqLeadSettings = z.output<typeof HqLeadSettings>;

export interface HqLeadFollower {
  /** The settings last fetched or kept; null before any. */
  current(): HqLeadSettings | null;
  /** Why there are none, while there are none. */
  problem(): string | null;
  stop(): void;
}

export interface HqLeadFollowerOptions {
  cloudUrl: string;
  /** Where the last settings are kept, so a restart without the cloud still offers leads. */
  cacheFile: string;
  /** Delay before asking again after a failure, clock ms. */
  retryMs: number;
  /** Told when new settings arrive. */
  onChange(): void;
}

/** HQ's consent may change: a fetched copy is asked again this often, clock ms. */
const refreshMs = 3_600_000;

/**
 * The kiosk lead settings of a gateway whose gateway.json has none: fetched from HQ in the
 * background, kept on disk, asked again hourly and, after a failure, every `retryMs`.
 */
export function followHqLeadSettings(
  options: HqLeadFollowerOptions,
  context: ModuleContext,
): HqLeadFollower {
  const log = context.log.child({ module: 'leads' });
  let current = readKept(options.cacheFile);
  let problem: string | null = current ? null : 'kiosk lead settings not yet fetched from HQ';
  let timer: Timer | null = null;
  let stopped = false;
  let lastReason = '';

  const fetchOnce = async () => {
    try {
      const response = await fetch(`${options.cloudUrl}/api/leads/kiosk-settings`, {
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`HQ answered ${response.status}`);

      const fetched = HqLeadSettings.parse(await response.json());
      const changed = JSON.stringify(fetched) !== JSON.stringify(current);
      current = fetched;
      problem = null;
      if (changed) keep(options.cacheFile, fetched);
      if (changed) log.info({ consentVersion: fetched.consent.version }, 'HQ lead settings taken');
      if (changed) options.onChange();
      return refreshMs;
    } catch (err) {
      const reason = (err as Error).message;
      // One line per new reason: a cloud without leads would otherwise fill the log.
      if (reason !== lastReason) log.warn({ reason }, 'HQ lead settings not fetched');
      lastReason = reason;
      if (!current) problem = `kiosk lead settings not fetched from HQ: ${reason}`;
      return options.retryMs;
    }
  };

  const loop = async () => {
    const nextMs = await fetchOnce();
    if (!stopped) timer = context.clock.after(nextMs, () => void loop());
  };
  void loop();

  return {
    current: () => current,
    problem: () => (current ? null : problem),
    stop: () => {
      stopped = true;
      timer?.cancel();
    },
  };
}

function readKept(file: string): HqLeadSettings | null {
  if (!existsSync(file)) return null;

  try {
    const parsed = HqLeadSettings.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    // A kept copy that does not read is as good as none: HQ is asked again.
    return null;
  }
}

/** Written beside and renamed over, so a power cut never leaves half a file. */
function keep(file: string, settings: HqLeadSettings) {
  writeFileSync(`${file}.tmp`, JSON.stringify(settings));
  renameSync(`${file}.tmp`, file);
}
