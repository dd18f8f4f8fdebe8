import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { type Clock, SmartBranchError } from '../../core/index.ts';
import type { Db } from '../store/index.ts';

export interface PairingCode {
  screen: string;
  code: string;
  expiresAt: number;
}

export interface PairedPlayer {
  id: string;
  screen: string;
}

export interface PlayerRecord extends PairedPlayer {
  pairedAt: number;
  revokedAt: number | null;
  lastSeenAt: number | null;
  version: string | null;
  screenSize: string | null;
}

export interface Pairing {
  /** The current code of every screen, renewed when used or expired: what the technician UI shows. */
  codes(screens: readonly string[]): PairingCode[];
  /** Trades a screen's code for a player token. Wrong codes count towards a lock-out. */
  pair(screen: string, code: string): { player: string; token: string };
  /** The player a token belongs to, or null for an unknown or revoked token. */
  verify(token: string): PairedPlayer | null;
  revoke(player: string): boolean;
  players(): PlayerRecord[];
  seen(player: string, details: { version?: string; screenSize?: string }): void;
}

export interface PairingOptions {
  db: Db;
  clock: Clock;
  /** How long a code stays valid, in milliseconds. */
  codeTtlMs: number;
  /** Wrong codes allowed per screen in `lockoutMs` before pairing is refused for a while. */
  maxAttempts?: number;
  lockoutMs?: number;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Pairing a browser to a screen: a six-digit code shown in the technician UI, used once,
 * for a revocable token of the player's own. Only the token's hash is stored. Five wrong
 * codes lock a screen's pairing for a minute, so the million codes cannot be walked.
 */
export function pairing(options: PairingOptions): Pairing {
  const current = new Map<string, PairingCode>();
  const failures = new Map<string, number[]>();
  const maxAttempts = options.maxAttempts ?? 5;
  const lockoutMs = options.lockoutMs ?? 60_000;
  const insert = options.db.prepare(
    'INSERT INTO screen_players (id, screen, token_hash, paired_at) VALUES (?, ?, ?, ?)',
  );
  const byHash = options.db.prepare(
    'SELECT id, screen FROM screen_players WHERE token_hash = ? AND revoked_at IS NULL',
  );

  const codeFor = (screen: string): PairingCode => {
    const known = current.get(screen);
    if (known && known.expiresAt > options.clock.now()) return known;

    const fresh = {
      screen,
      code: String(randomInt(0, 1_000_000)).padStart(6, '0'),
      expiresAt: options.clock.now() + options.codeTtlMs,
    };
    current.set(screen, fresh);
    return fresh;
  };

  const recentFailures = (screen: string) =>
    (failures.get(screen) ?? []).filter((at) => at > options.clock.now() - lockoutMs);

  return {
    codes: (screens) => screens.map(codeFor),
    pair(screen, code) {
      if (recentFailures(screen).length >= maxAttempts) {
        throw new SmartBranchError(
          'SB_ERR_RATE_LIMITED',
          `pairing of screen ${screen} is locked for a while`,
        );
      }

      const expected = current.get(screen);
      const matches =
        expected !== undefined &&
        expected.expiresAt > options.clock.now() &&
        code.length === expected.code.length &&
        timingSafeEqual(Buffer.from(code), Buffer.from(expected.code));
      if (!matches) {
        failures.set(screen, [...recentFailures(screen), options.clock.now()]);
        throw new SmartBranchError(
          'SB_ERR_UNAUTHENTICATED',
          'pairing code wrong or expired',
          'code',
        );
      }

      current.delete(screen);
      const player = `player-${randomBytes(6).toString('hex')}`;
      const token = randomBytes(32).toString('base64url');
      insert.run(player, screen, hashOf(token), options.clock.now());
      return { player, token };
    },
    verify(token) {
      if (typeof token !== 'string' || token.length < 20 || token.length > 100) return null;

      return (byHash.get(hashOf(token)) as PairedPlayer | undefined) ?? null;
    },
    revoke: (player) =>
      options.db
        .prepare('UPDATE screen_players SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
        .run(options.clock.now(), player).changes > 0,
    players: () =>
      options.db
        .prepare(`SELECT id, screen, paired_at AS pairedAt,
      revoked_at AS revokedAt, last_seen_at AS lastSeenAt, version, screen_size AS screenSize
      FROM screen_players ORDER BY paired_at`)
        .all() as PlayerRecord[],
    seen(player, details) {
      options.db
        .prepare(`UPDATE screen_players SET last_seen_at = ?,
        version = coalesce(?, version), screen_size = coalesce(?, screen_size) WHERE id = ?`)
        .run(options.clock.now(), details.version ?? null, details.screenSize ?? null, player);
    },
  };
}
