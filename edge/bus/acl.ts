import { z } from 'zod';
import { verifyPassword } from '../../core/index.ts';
import { topicMatches } from '../../protocol/index.ts';

/**
 * A client of the local bus as the gateway's config names it: a device, a kiosk, the
 * simulator, a Node-RED flow. It may publish and subscribe only on the filters it is given.
 */
export const BusClient = z.strictObject({
  username: z.string().min(1).max(64),
  /** An scrypt hash (`scrypt$...`, from `smartbranch hash-password`) or, in demos, plain text. */
  password: z.string().min(1),
  publish: z.array(z.string().min(1)).default([]),
  subscribe: z.array(z.string().min(1)).default([]),
});

export type BusClient = z.output<typeof BusClient>;

export interface AccessList {
  /** Adds a login, or replaces the one of that name: a device added while running. */
  add(client: BusClient): void;
  authenticate(username: string, password: string): Promise<BusClient | null>;
  mayPublish(client: BusClient, topic: string): string | null;
  maySubscribe(client: BusClient, filter: string): string | null;
}

export function accessList(clients: readonly BusClient[]): AccessList {
  const byName = new Map(clients.map((client) => [client.username, client]));

  return {
    add: (client) => void byName.set(client.username, client),
    async authenticate(username, password) {
      const client = byName.get(username);
      if (!client) return null;

      const ok = client.password.startsWith('scrypt$')
        ? await verifyPassword(password, client.password)
        : password === client.password;
      return ok ? client : null;
    },
    mayPublish: (client, topic) =>
      client.publish.some((allowed) => topicMatches(allowed, topic))
        ? null
        : `${client.username} may not publish on ${topic}`,
    maySubscribe: (client, filter) =>
      client.subscribe.some((allowed) => filterWithin(filter, allowed))
        ? null
        : `${client.username} may not subscribe to ${filter}`,
  };
}

/**
 * Whether every topic `filter` can match is also matched by `allowed`. Checking the filter
 * as if it were a topic is not enough: `sb/#` "matches" `sb/+` yet reaches much further.
 */
export function filterWithin(filter: string, allowed: string): boolean {
  const inner = filter.split('/');
  const outer = allowed.split('/');

  for (const [index, part] of outer.entries()) {
    if (part === '#') return true;

    const level = inner[index];
    if (level === undefined) return false;
    if (level === '#') return false;
    if (part === '+') continue;
    if (level === '+' || level !== part) return false;
  }
  return inner.length === outer.length;
}
