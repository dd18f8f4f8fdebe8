import { z } from 'zod';
import { type Clock, localHourStart } from '../../core/index.ts';
import {
  type AgeBand,
  Id,
  type PlayHour,
  PlayHour as PlayHourSchema,
} from '../../protocol/index.ts';
import type { Db } from '../store/index.ts';
import type { PlayAudience } from './audience.ts';
import { minimumDurationMs } from './model.ts';

/** A play as a player reports it when it ends (or, buffered, when it reconnects). */
export const PlayReport = z.strictObject({
  playId: z.string().min(1).max(64),
  item: z.string().min(1).max(200),
  campaign: Id.optional(),
  startedAt: z.number().int().nonnegative(),
  endedAt: z.number().int().nonnegative(),
  completed: z.boolean(),
});

export type PlayReport = z.output<typeof PlayReport>;

export interface ProofOptions {
  db: Db;
  clock: Clock;
  timeZone: string;
  /** Age bands with fewer viewers than this in an hour are counted as suppressed. */
  kAnonymity: number;
  recordPlay(record: PlayHour): void;
}

export interface PlayRow {
  player: string;
  playId: string;
  screen: string;
  item: string;
  campaign: string | null;
  startedAt: number;
  endedAt: number;
  completed: number;
  viewers: number;
}

export interface Proof {
  /** Stores a play; returns why it was refused, or null. A resent play is stored once. */
  record(player: string, screen: string, report: PlayReport, audience: PlayAudience): string | null;
  playsThisHour(screen: string, items: readonly string[]): number;
  /** Hands every play of hours ended before `beforeMs` to `recordPlay`, rolled up; returns how many records. */
  rollUp(beforeMs: number): number;
  plays(screen?: string): PlayRow[];
  total(): number;
}

/** Plays reported this long after they ended are still taken, in milliseconds: a week offline. */
const lateLimitMs = 7 * 86_400_000;
const longestPlayMs = 24 * 3600_000;

export function proofOfPlay(options: ProofOptions): Proof {
  const { db } = options;
  const insert = db.prepare(`INSERT OR IGNORE INTO screen_plays (player, play_id, screen, item,
    campaign, started_at, ended_at, completed, viewers, attention_seconds, ages, hour)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const lastEnd = db.prepare('SELECT max(ended_at) FROM screen_plays WHERE player = ?').pluck();
  const stored = db.prepare('SELECT 1 FROM screen_plays WHERE player = ? AND play_id = ?').pluck();
  const pending = db.prepare(`SELECT screen, item, campaign, hour, ended_at - started_at AS ms,
    completed, viewers, attention_seconds AS attention, ages FROM screen_plays
    WHERE rolled_up = 0 AND hour + 3600000 <= ?`);
  const markDone = db.prepare(
    'UPDATE screen_plays SET rolled_up = 1 WHERE rolled_up = 0 AND hour + 3600000 <= ?',
  );

  const problemOf = (player: string, report: PlayReport): string | null => {
    const now = options.clock.now();
    const length = report.endedAt - report.startedAt;
    if (length < minimumDurationMs)
      return `play of ${length} ms is shorter than ${minimumDurationMs} ms`;
    if (length > longestPlayMs) return `play of ${length} ms is longer than a day`;
    if (report.endedAt > now + 5000 || report.endedAt < now - lateLimitMs)
      return 'play ends outside the accepted time';

    const previousEnd = lastEnd.get(player) as number | null;
    // Plays of one player follow each other; one overlapping the last stored is made up.
    return previousEnd !== null && report.startedAt < previousEnd - 1000
      ? 'play overlaps an earlier play'
      : null;
  };

  const rollUp = db.transaction((beforeMs: number) => {
    const groups = groupPlays(pending.all(beforeMs) as PendingRow[]);
    for (const group of groups.values())
      options.recordPlay(PlayHourSchema.parse(anonymise(group, options.kAnonymity)));
    markDone.run(beforeMs);
    return groups.size;
  });

  return {
    record(player, screen, report, audience) {
      // A resend after a lost acknowledgement is taken and stored once.
      if (stored.get(player, report.playId)) return null;

      const problem = problemOf(player, report);
      if (problem) return problem;

      insert.run(
        player,
        report.playId,
        screen,
        report.item,
        report.campaign ?? null,
        report.startedAt,
        report.endedAt,
        report.completed ? 1 : 0,
        audience.viewers,
        audience.attentionSeconds,
        JSON.stringify(audience.ages),
        localHourStart(report.startedAt, options.timeZone),
      );
      return null;
    },
    playsThisHour(screen, items) {
      if (items.length === 0) return 0;

      const hour = localHourStart(options.clock.now(), options.timeZone);
      return db
        .prepare(`SELECT count(*) FROM screen_plays WHERE screen = ? AND hour = ?
        AND item IN (${items.map(() => '?').join(',')})`)
        .pluck()
        .get(screen, hour, ...items) as number;
    },
    rollUp: (beforeMs) => rollUp(beforeMs),
    plays: (screen) =>
      db
        .prepare(`SELECT player, play_id AS playId, screen, item, campaign,
      started_at AS startedAt, ended_at AS endedAt, completed, viewers FROM screen_plays
      ${screen ? 'WHERE screen = ?' : ''} ORDER BY started_at`)
        .all(...(screen ? [screen] : [])) as PlayRow[],
    total: () => db.prepare('SELECT count(*) FROM screen_plays').pluck().get() as number,
  };
}

interface PendingRow {
  screen: string;
  item: string;
  campaign: string | null;
  hour: number;
  ms: number;
  completed: number;
  viewers: number;
  attention: number;
  ages: string;
}

type Group = Omit<PlayHour, 'suppressed'>;

function groupPlays(rows: PendingRow[]): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const row of rows) {
    const key = JSON.stringify([row.screen, row.item, row.campaign, row.hour]);
    const group = groups.get(key) ?? {
      screen: row.screen,
      item: row.item,
      hour: row.hour,
      plays: 0,
      completed: 0,
      cut: 0,
      playedMs: 0,
      viewers: 0,
      attentionSeconds: 0,
      ages: {},
      ...(row.campaign ? { campaign: row.campaign } : {}),
    };
    group.plays += 1;
    group.completed += row.completed;
    group.cut += 1 - row.completed;
    group.playedMs += row.ms;
    group.viewers += row.viewers;
    group.attentionSeconds += row.attention;
    for (const [band, count] of Object.entries(JSON.parse(row.ages) as Record<AgeBand, number>)) {
      group.ages[band as AgeBand] = (group.ages[band as AgeBand] ?? 0) + count;
    }
    groups.set(key, group);
  }
  return groups;
}

/** Bands with fewer than k viewers leave the histogram and are only counted. */
function anonymise(group: Group, k: number): PlayHour {
  const ages: PlayHour['ages'] = {};
  let suppressed = 0;
  for (const [band, count] of Object.entries(group.ages) as [AgeBand, number][]) {
    if (count >= k) ages[band] = count;
    else suppressed += count;
  }
  return { ...group, ages, suppressed };
}
