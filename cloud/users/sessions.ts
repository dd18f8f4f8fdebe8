import type { Kysely } from 'kysely';
import { randomSecret } from '../../core/index.ts';
import type { Database } from '../store/index.ts';
import { Role, sessionTokenHash, type User } from './users.ts';

/** Opens a session; the cookie carries the token, the store only its hash. */
export async function openSession(db: Kysely<Database>, user: User, ttlMs: number, now: number) {
  const token = randomSecret(32);
  await db
    .insertInto('sessions')
    .values({
      token_hash: sessionTokenHash(token),
      user_id: user.id,
      created_at: now,
      expires_at: now + ttlMs,
    })
    .execute();
  return { token, expiresAt: now + ttlMs };
}

/** The user of a live session, or null for an unknown or expired one. */
export async function sessionUser(
  db: Kysely<Database>,
  token: string,
  now: number,
): Promise<User | null> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['users.id', 'users.username', 'users.role', 'sessions.expires_at'])
    .where('sessions.token_hash', '=', sessionTokenHash(token))
    .executeTakeFirst();
  if (!row || row.expires_at <= now) return null;

  return { id: row.id, username: row.username, role: Role.parse(row.role) };
}

export async function closeSession(db: Kysely<Database>, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', sessionTokenHash(token)).execute();
}

/** Drops expired sessions; called now and then so the table does not grow without end. */
export async function dropExpiredSessions(db: Kysely<Database>, now: number): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
}
