import type { Clock } from '../../core/index.ts';
import { randomSecret } from '../../core/index.ts';

export interface Session {
  username: string;
  expiresAt: number;
}

/** Technician sessions, in memory: a gateway restart asks technicians to log in again. */
export function sessionStore(clock: Clock, ttlMs: number) {
  const sessions = new Map<string, Session>();

  return {
    open(username: string): string {
      const id = randomSecret(24);
      sessions.set(id, { username, expiresAt: clock.now() + ttlMs });
      return id;
    },
    find(id: string | undefined): Session | null {
      const session = id ? sessions.get(id) : undefined;
      if (!session) return null;

      if (session.expiresAt <= clock.now()) {
        sessions.delete(id as string);
        return null;
      }
      return session;
    },
    close(id: string | undefined) {
      if (id) sessions.delete(id);
    },
  };
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}
